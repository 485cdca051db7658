"""The merchant writing in a conversation: a reply the customer sees, or a note only the
team sees."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from apps.conversations.models import MAX_MESSAGE_LENGTH, Conversation, ConversationStatus, Message
from apps.conversations.services import MessageRejected, message_add_human_agent
from apps.dashboard.models import InternalNote, StaffProfile
from apps.dashboard.services.conversations import conversation_take_over
from apps.helpdesk.sync import mirror_note
from apps.helpdesk.tasks import enqueue_sync
from apps.stores.models import Store

MAX_DISPLAY_NAME = 60


def display_name_for(store: Store, user_id: str) -> str:
    """The name `user_id` signs replies with in `store`: the one they chose last, or the
    store's team."""
    chosen = (
        StaffProfile.objects.filter(store=store, user_id=user_id)
        .values_list("display_name", flat=True)
        .first()
    )
    return chosen or f"{store.name or 'Support'} team"[:MAX_DISPLAY_NAME]


def conversation_reply(
    *, store: Store, conversation_id: int, text: str, author: str, display_name: str
) -> Message:
    """Send the customer a reply from the merchant's team, signed `display_name`.

    Replying takes the conversation over first (the AI must not answer beside a person),
    through the same service as the Take over button. The name is remembered for the
    author's next reply. Raises Conversation.DoesNotExist for another store's conversation
    and MessageRejected (nothing saved, nothing taken over) for an empty or too long text
    or a missing name.
    """
    name = display_name.strip()[:MAX_DISPLAY_NAME]
    if not name:
        raise MessageRejected("Enter the name the customer sees.", code="no_name")
    _checked(text)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id, store=store)
        if conversation.status != ConversationStatus.HUMAN_HANDLING:
            conversation = conversation_take_over(store=store, conversation_id=conversation.pk)
        message = message_add_human_agent(conversation, text, author=author, display_name=name)
        StaffProfile.objects.update_or_create(
            store=store, user_id=author[:64], defaults={"display_name": name}
        )
    return message


def note_add(*, store: Store, conversation_id: int, text: str, author: str) -> InternalNote:
    """A note for the team only: the customer and the agent never see it. Where the
    conversation is mirrored in a helpdesk it becomes an internal note there too, queued
    in the same transaction as the note.

    Raises Conversation.DoesNotExist for another store's conversation and MessageRejected
    for an empty or too long text.
    """
    cleaned = _checked(text)
    conversation = Conversation.objects.get(pk=conversation_id, store=store)
    with transaction.atomic():
        note = InternalNote.objects.create(
            store=store,
            conversation=conversation,
            author=author[:64],
            author_name=display_name_for(store, author),
            text=cleaned,
        )
        # Helpdesk notes are written by our bot's user: say who on the team wrote it.
        mirrored = f"Note from {note.author_name} in Aftersale:\n{cleaned}"
        for row_id in mirror_note(conversation, note.pk, mirrored):
            transaction.on_commit(partial(enqueue_sync, row_id))
    return note


def _checked(text: str) -> str:
    if not text.strip():
        raise MessageRejected("Write something first.", code="empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageRejected(
            f"Keep it under {MAX_MESSAGE_LENGTH} characters ({len(text)} now).", code="too_long"
        )
    return text.strip()
