"""Reads on conversations, messages and the agent's actions, always within one store."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.conversations.models import (
    ActionStatus,
    AgentAction,
    Conversation,
    Message,
)
from apps.stores.models import Store

MAX_PAGE = 200


def conversation_get(*, store: Store, conversation_id: int) -> Conversation | None:
    """The store's conversation, or None (another store's id is simply not found)."""
    return Conversation.objects.filter(store=store, pk=conversation_id).first()


def conversation_list(*, store: Store, status: str = "", limit: int = 50) -> list[Conversation]:
    """The store's conversations, newest activity first (optionally one status)."""
    rows = Conversation.objects.filter(store=store)
    if status:
        rows = rows.filter(status=status)
    limit = max(1, min(limit, MAX_PAGE))
    return list(rows.order_by("-last_message_at", "-pk").select_related("order_in_focus")[:limit])


def conversation_messages(
    *, conversation: Conversation, after_id: int = 0, limit: int = 100
) -> list[Message]:
    """The conversation's messages after `after_id`, oldest first (the transcript)."""
    limit = max(1, min(limit, MAX_PAGE))
    return list(
        Message.objects.filter(
            store_id=conversation.store_id, conversation=conversation, pk__gt=after_id
        ).order_by("pk")[:limit]
    )


def conversation_actions(*, conversation: Conversation) -> list[AgentAction]:
    """Every action the agent proposed or took in the conversation (the audit trail)."""
    return list(
        AgentAction.objects.filter(store_id=conversation.store_id, conversation=conversation)
        .select_related("order")
        .order_by("pk")
    )


def actions_awaiting_approval(*, store: Store) -> QuerySet[AgentAction]:
    """What the merchant must approve or reject, oldest first."""
    return (
        AgentAction.objects.filter(store=store, status=ActionStatus.AWAITING_APPROVAL)
        .select_related("conversation", "order")
        .order_by("pk")
    )


def action_get(*, store: Store, action_id: int) -> AgentAction | None:
    return AgentAction.objects.filter(store=store, pk=action_id).first()
