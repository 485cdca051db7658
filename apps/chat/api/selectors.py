"""Reads for the chat API, always scoped to the verified store."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.conversations.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.stores.models import Store, StoreSettings

# What a shopper may see: never system messages, never metadata.
VISIBLE_ROLES = (MessageRole.CUSTOMER, MessageRole.ASSISTANT, MessageRole.HUMAN_AGENT)
PAGE_SIZE = 50


def chat_conversation_get(*, store: Store, conversation_id: int) -> Conversation | None:
    return Conversation.objects.filter(store=store, pk=conversation_id, channel=Channel.WEB).first()


def chat_messages_after(
    *, conversation: Conversation, after: int, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """Visible messages with an id above `after`, oldest first, and whether more remain."""
    rows = list(
        Message.objects.filter(
            store_id=conversation.store_id,
            conversation=conversation,
            id__gt=after,
            role__in=VISIBLE_ROLES,
        )
        .only("id", "role", "text", "metadata", "created_at")
        .order_by("id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def chat_agent_is_working(*, conversation: Conversation) -> bool:
    """Whether the agent still owes an answer: the widget's typing indicator.

    A customer message without `handled_at` is in the pipeline. Past the turn's time limit
    (plus a grace period for a queued task) we stop claiming the agent is typing, and the
    widget says it is taking longer than usual instead of spinning forever. Once a person
    has taken over, the AI is not working on it.
    """
    if conversation.status == ConversationStatus.HUMAN_HANDLING:
        return False
    cutoff = timezone.now() - timedelta(seconds=settings.AGENT_TURN_TIME_LIMIT + 30)
    return Message.objects.filter(
        store_id=conversation.store_id,
        conversation=conversation,
        role=MessageRole.CUSTOMER,
        handled_at__isnull=True,
        created_at__gte=cutoff,
    ).exists()


def chat_store_settings(*, store: Store) -> StoreSettings:
    """The store's settings, or the defaults (unsaved) when none exist yet: a read never writes."""
    return StoreSettings.objects.filter(store=store).first() or StoreSettings(store=store)
