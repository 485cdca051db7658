"""Handing a conversation to the merchant's people."""

from __future__ import annotations

from apps.agent.actions import record
from apps.agent.context import Turn
from apps.conversations.models import ActionKind, ConversationStatus

# Statuses in which people already own the conversation: escalating again adds nothing.
HUMAN_OWNED = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)


def escalate(turn: Turn, *, reason: str) -> bool:
    """Record an escalation (saved with the reply, which also sets the status).

    Returns False when people already own the conversation (nothing recorded).
    """
    if turn.escalated:
        return True
    if turn.conversation.status in HUMAN_OWNED:
        return False
    turn.add_record(
        record(
            kind=ActionKind.ESCALATE,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            parameters={"reason": reason, "intent": turn.intent},
            result={"escalation_email": turn.rules.escalation_email},
            policy_version=turn.rules.version,
            policy_reason=reason,
        )
    )
    turn.escalated = True
    return True
