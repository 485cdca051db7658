"""Human takeover: the one rule for when the AI stays silent, and what moves a conversation
in and out of it from the merchant's helpdesk.

A human agent's public reply in the helpdesk hands the conversation to people
(`human_handling`): from then on the agent answers nothing, takes no action and proposes
nothing, on any channel, until the merchant hands it back (the dashboard, or the helpdesk
tag they chose). Nothing else pauses it: not our own bot's post echoed back, not an
internal note, not the helpdesk's own automation, not an event not yet confirmed with the
provider's API.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.conversations.services import conversation_set_status, message_add_human_agent
from apps.integrations.helpdesk.base import Author, EventKind, HelpdeskEvent, Visibility

# In a message's metadata: the helpdesk message a person's reply was written as.
HELPDESK_MESSAGE_ID = "helpdesk_message_id"

# While a conversation is in one of these, the AI does nothing in it.
AI_SILENT: tuple[str, ...] = (ConversationStatus.HUMAN_HANDLING,)


class Outcome(StrEnum):
    TOOK_OVER = "took_over"
    HANDED_BACK = "handed_back"
    RESOLVED = "resolved"
    IGNORED = "ignored"


def ai_is_silent(conversation: Conversation) -> bool:
    return conversation.status in AI_SILENT


def is_human_reply(event: HelpdeskEvent, *, our_message_ids: Collection[str] = ()) -> bool:
    """A public reply a person typed in the helpdesk, confirmed, and not one of ours
    (by author, and by the provider message ids our sync recorded)."""
    return (
        event.kind is EventKind.MESSAGE
        and event.author is Author.HUMAN_AGENT
        and event.visibility is Visibility.PUBLIC
        and not event.needs_fetch
        and bool(event.message_id)
        and event.message_id not in our_message_ids
    )


def apply_helpdesk_event(
    conversation: Conversation,
    event: HelpdeskEvent,
    *,
    our_message_ids: Collection[str] = (),
    hand_back_tag: str = "",
) -> Outcome:
    """Act on one verified, hydrated event of this conversation's helpdesk thread."""
    if is_human_reply(event, our_message_ids=our_message_ids):
        return _human_replied(conversation, event)
    if event.kind is EventKind.CLOSED:
        _set_status(conversation, ConversationStatus.RESOLVED, resolved=True)
        return Outcome.RESOLVED
    if hand_back_tag and event.kind is EventKind.TAGS and hand_back_tag in event.tags:
        moved = _move(conversation, AI_SILENT, ConversationStatus.AI_HANDLING)
        return Outcome.HANDED_BACK if moved else Outcome.IGNORED
    return Outcome.IGNORED


def _human_replied(conversation: Conversation, event: HelpdeskEvent) -> Outcome:
    text = " ".join(strip_tags(event.body_text).split())[:MAX_MESSAGE_LENGTH]
    with transaction.atomic():
        # A redelivery under another event id (or a replay) adds nothing a second time.
        seen = Message.objects.filter(
            conversation=conversation,
            role=MessageRole.HUMAN_AGENT,
            **{f"metadata__{HELPDESK_MESSAGE_ID}": event.message_id},
        ).exists()
        if seen:
            return Outcome.IGNORED
        if text:
            first_name = event.author_name.split(" ")[0]
            # Marked at creation: the helpdesk mirror must not post it back where it came from.
            message_add_human_agent(
                conversation,
                text,
                author=first_name,
                display_name=first_name,
                origin={HELPDESK_MESSAGE_ID: event.message_id},
            )
        else:
            # Moving to people voids the agent's pending offer, as a reply does.
            conversation_set_status(conversation, ConversationStatus.HUMAN_HANDLING)
    return Outcome.TOOK_OVER


def _set_status(conversation: Conversation, status: str, *, resolved: bool = False) -> None:
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        status=status, updated_at=now, resolved_at=now if resolved else None
    )
    conversation.refresh_from_db(fields=["status", "resolved_at", "updated_at"])


def _move(conversation: Conversation, allowed: Collection[str], to: str) -> bool:
    moved = Conversation.objects.filter(pk=conversation.pk, status__in=list(allowed)).update(
        status=to, updated_at=timezone.now()
    )
    conversation.refresh_from_db(fields=["status", "updated_at"])
    return moved == 1
