"""Handing a conversation to the merchant's people."""

from __future__ import annotations

from django.db import transaction

from apps.agent.actions import record
from apps.agent.context import Turn
from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
)
from apps.conversations.services import void_pending_proposals
from apps.stores.services import store_settings
from apps.stores.team_hours import availability_sentence

# Statuses in which people already own the conversation: escalating again adds nothing.
HUMAN_OWNED = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)
# The AI's own statuses, the only ones an escalation moves on from.
AI_OWNED = (ConversationStatus.OPEN, ConversationStatus.AI_HANDLING)


def escalate(turn: Turn, *, reason: str) -> bool:
    """Record an escalation (saved with the reply, which also sets the status).

    Returns False when people already own the conversation (nothing recorded).
    """
    if turn.escalated:
        return True
    if turn.conversation.status in HUMAN_OWNED:
        return False
    turn.add_record(
        escalation_record(
            message=turn.message,
            reason=reason,
            intent=turn.intent,
            escalation_email=turn.rules.escalation_email,
            policy_version=turn.rules.version,
        )
    )
    turn.escalated = True
    return True


def escalate_message(message_id: int, *, reason: str) -> bool:
    """The same escalation outside a turn (the turn could not run, e.g. the platform stayed
    unreachable): the record and the status move a turn would have saved. Idempotent (the
    record's key names the message). False when people already own the conversation."""
    message = Message.objects.select_related("conversation__store").filter(pk=message_id).first()
    if message is None or message.conversation.status in HUMAN_OWNED:
        return False
    rules = store_settings(message.conversation.store)
    row = escalation_record(
        message=message,
        reason=reason,
        intent="",
        escalation_email=rules.escalation_email,
        policy_version=rules.version,
    )
    with transaction.atomic():
        AgentAction.objects.bulk_create([row], ignore_conflicts=True)
        Conversation.objects.filter(pk=message.conversation_id, status__in=AI_OWNED).update(
            status=ConversationStatus.ESCALATED
        )
        void_pending_proposals(message.conversation, reason=f"escalated: {reason}")
    return True


def escalation_record(
    *,
    message: Message,
    reason: str,
    intent: str,
    escalation_email: str,
    policy_version: int | None,
) -> AgentAction:
    """The unsaved escalation row for `message`."""
    return record(
        kind=ActionKind.ESCALATE,
        store_id=message.store_id,
        conversation_id=message.conversation_id,
        message_id=message.pk,
        parameters={"reason": reason, "intent": intent},
        result={"escalation_email": escalation_email},
        policy_version=policy_version,
        policy_reason=reason,
    )


def with_team_hours(turn: Turn, text: str, *, translated: bool) -> str:
    """The reply of a turn that handed the conversation to people, with when they answer
    (the merchant's team hours, store time). Other languages' fixed handover is kept as is."""
    if not turn.escalated or translated:
        return text
    rules = turn.rules
    sentence = availability_sentence(
        days=rules.team_days,
        opens=rules.team_opens_at,
        closes=rules.team_closes_at,
        zone=turn.store.zone,
        now=turn.now,
    )
    return f"{text} {sentence}" if sentence else text
