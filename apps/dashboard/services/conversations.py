"""The merchant taking a conversation over from the AI, or handing it back."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from apps.conversations.models import Conversation, ConversationStatus
from apps.conversations.services import PEOPLE_OWNED, void_pending_proposals
from apps.stores.models import Store

# A person can take over anything still going; the AI can take back what people hold.
TAKE_OVER_FROM = (
    ConversationStatus.OPEN,
    ConversationStatus.AI_HANDLING,
    ConversationStatus.ESCALATED,
)
HAND_BACK_FROM = (ConversationStatus.HUMAN_HANDLING, ConversationStatus.ESCALATED)


def conversation_take_over(*, store: Store, conversation_id: int) -> Conversation:
    """People handle it from now on: the agent answers nothing more here.

    Idempotent. Raises Conversation.DoesNotExist for another store's conversation.
    """
    return _move(store, conversation_id, TAKE_OVER_FROM, ConversationStatus.HUMAN_HANDLING)


def conversation_hand_back(*, store: Store, conversation_id: int) -> Conversation:
    """The agent answers again from the customer's next message.

    Idempotent. Raises Conversation.DoesNotExist for another store's conversation.
    """
    return _move(store, conversation_id, HAND_BACK_FROM, ConversationStatus.AI_HANDLING)


def _move(store: Store, conversation_id: int, allowed: Iterable[str], to: str) -> Conversation:
    # One conditional UPDATE: a concurrent change of status is never overwritten blindly.
    Conversation.objects.filter(pk=conversation_id, store=store, status__in=list(allowed)).update(
        status=to, updated_at=timezone.now()
    )
    conversation = Conversation.objects.get(pk=conversation_id, store=store)
    if to in PEOPLE_OWNED:
        void_pending_proposals(conversation, reason=f"status {to}")
    return conversation
