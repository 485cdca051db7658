"""Saving a turn: the reply, its lookups and the conversation's memory in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from apps.agent.context import Turn
from apps.agent.escalation import HUMAN_OWNED
from apps.agent.replies import say
from apps.agent.respond import plain_text
from apps.agent.state import Awaiting
from apps.agent.understanding import Understanding
from apps.conversations.hooks import reply_committed
from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.stores.models import StoreSettings
from apps.stores.services import store_settings


@dataclass(frozen=True)
class TurnResult:
    """What one turn did. `reply` is None when people own the conversation (AI silent)."""

    message: Message
    reply: Message | None
    intent: str
    confidence: float
    entities: dict[str, list[str]]
    actions: tuple[AgentAction, ...]
    escalated: bool
    assisted: bool = False

    @property
    def action_kinds(self) -> list[str]:
        return [a.kind for a in self.actions]


def save_turn(turn: Turn, text: str, *, assisted: bool) -> TurnResult:
    now = timezone.now()
    conversation = turn.conversation
    entities = entities_dict(turn.understanding)
    with transaction.atomic():
        records = AgentAction.objects.bulk_create(turn.records) if turn.records else []
        actions = (*turn.actions, *records)
        reply = Message.objects.create(
            store=turn.store,
            conversation=conversation,
            role=MessageRole.ASSISTANT,
            text=text,
            reply_to=turn.message,
            metadata={
                "intent": turn.intent,
                "confidence": round(turn.understanding.confidence, 4),
                "entities": entities,
                "escalated": turn.escalated,
                "assisted": assisted,
                "action_ids": [a.pk for a in actions],
            },
        )
        Message.objects.filter(pk=turn.message.pk).update(handled_at=now)
        _save_conversation(turn, now)
        transaction.on_commit(lambda: reply_committed(reply.pk))
    return TurnResult(
        message=turn.message,
        reply=reply,
        intent=turn.intent,
        confidence=turn.understanding.confidence,
        entities=entities,
        actions=actions,
        escalated=turn.escalated,
        assisted=assisted,
    )


def _save_conversation(turn: Turn, now: Any) -> None:
    """One UPDATE; the status only moves forward from the AI's own states (a human who
    took the conversation meanwhile keeps it)."""
    if turn.escalated:
        new_status = ConversationStatus.ESCALATED
        movable = [ConversationStatus.OPEN, ConversationStatus.AI_HANDLING]
        _void_offer(turn)  # people own it now: after hand-back, anything is proposed afresh
    else:
        new_status, movable = ConversationStatus.AI_HANDLING, [ConversationStatus.OPEN]
    state = turn.state.dump()
    fields: dict[str, Any] = {
        # A person who took over (or an escalation) while this turn ran voided any offer.
        "state": Case(
            When(
                Q(status__in=HUMAN_OWNED) & ~Q(status=turn.conversation.status),
                then=Value(_without_offer(state), models.JSONField()),
            ),
            default=Value(state, models.JSONField()),
        ),
        "last_message_at": now,
        "updated_at": now,
        "status": Case(When(status__in=movable, then=Value(new_status)), default=F("status")),
    }
    if turn.focus_changed:
        focus = turn.state.focus_id
        fields["order_in_focus_id"] = turn.order_pk(focus) if focus else None
    if not turn.conversation.primary_intent and turn.intent not in ("greeting", "other"):
        fields["primary_intent"] = turn.intent
    Conversation.objects.filter(pk=turn.conversation.pk).update(**fields)


def _void_offer(turn: Turn) -> None:
    if turn.state.pending is not None:
        turn.state.pending = None
        if turn.state.awaiting == Awaiting.CONFIRMATION:
            turn.state.awaiting = Awaiting.NOTHING


def _without_offer(state: dict[str, Any]) -> dict[str, Any]:
    awaiting = state.get("awaiting", "")
    return {**state, "pending": None, "awaiting": "" if awaiting == "confirmation" else awaiting}


def entities_dict(u: Understanding) -> dict[str, list[str]]:
    """The entities as plain JSON (for the reply's metadata and the chat command)."""
    e = u.entities
    found = {
        "order_numbers": list(e.order_numbers),
        "emails": list(e.emails),
        "phones": [p.text for p in e.phones],
        "amounts": [f"{m.amount} {m.currency}".strip() for m in e.amounts],
        "tracking_numbers": list(e.tracking_numbers),
        "product_terms": list(e.product_terms),
        "sizes": list(e.sizes),
    }
    return {k: v for k, v in found.items() if v}


def reply_unreadable(
    message: Message, conversation: Conversation, rules: StoreSettings, text: str
) -> TurnResult:
    """Empty or oversized: ask again; nothing is understood, looked up or done."""
    if text.strip():
        return _canned(message, conversation, say("too_long", rules.tone, limit=MAX_MESSAGE_LENGTH))
    return _canned(message, conversation, say("empty_message", rules.tone))


def _canned(message: Message, conversation: Conversation, text: str) -> TurnResult:
    """Answer with a fixed text; the conversation's memory is left as it was."""
    now = timezone.now()
    with transaction.atomic():
        reply = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            role=MessageRole.ASSISTANT,
            text=plain_text(text),
            reply_to=message,
            metadata={"intent": "other", "confidence": 0.0, "entities": {}, "action_ids": []},
        )
        Message.objects.filter(pk=message.pk).update(handled_at=now)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now, updated_at=now)
        transaction.on_commit(lambda: reply_committed(reply.pk))
    return TurnResult(message, reply, "other", 0.0, {}, (), False)


def answered(message: Message) -> TurnResult:
    """The result of a turn that already ran, rebuilt from its reply's metadata."""
    reply = Message.objects.filter(reply_to=message).first()
    meta = reply.metadata if reply is not None else {}
    ids = meta.get("action_ids") or []
    actions = tuple(
        AgentAction.objects.filter(store_id=message.store_id, pk__in=ids).order_by("pk")
    )
    return TurnResult(
        message=message,
        reply=reply,
        intent=meta.get("intent", ""),
        confidence=float(meta.get("confidence", 0.0)),
        entities=meta.get("entities") or {},
        actions=actions,
        escalated=bool(meta.get("escalated")),
        assisted=bool(meta.get("assisted")),
    )


def reply_fallback(message_id: int, *, reason: str = "timed_out") -> Message | None:
    """A short apology for a message whose turn could not finish (time limit, or the
    store's platform unreachable: reason "platform_unavailable"); None when it was answered
    meanwhile. Nothing is claimed done: any action keeps its own status."""
    message = Message.objects.select_related("conversation__store").filter(pk=message_id).first()
    if message is None or message.handled_at is not None:
        return None
    rules = store_settings(message.conversation.store)
    return _canned(message, message.conversation, say(reason, rules.tone)).reply
