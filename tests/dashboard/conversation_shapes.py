"""Conversations in the shapes analytics and billing must tell apart, at chosen times.

`conversation(store, ...)` writes one conversation with its messages and actions, then
moves every timestamp to `started` (+ offsets), since the models stamp creation time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.stores.models import Store

_keys = itertools.count(1)
LONG_AGO = timedelta(days=3)


def conversation(
    store: Store,
    *,
    started: datetime | None = None,
    intent: str = "order_status",
    status: str = ConversationStatus.AI_HANDLING,
    reply_after: timedelta | None = timedelta(seconds=5),
    executed: Iterable[str] = (ActionKind.LOOKUP_ORDER,),
    other_actions: Iterable[tuple[str, str]] = (),
    refund: tuple[str, str] | None = None,
    cancellation: tuple[str, str, bool] | None = None,
    human_reply: bool = False,
    unanswered_followup: bool = False,
    state: dict[str, Any] | None = None,
    channel: str = Channel.WEB,
) -> Conversation:
    """One conversation started at `started` (default: three days ago, past the quiet
    period): a customer message, the AI's reply after `reply_after` (None: no reply),
    executed actions of the `executed` kinds, (kind, status) `other_actions`, an executed
    refund of (amount, currency), an executed cancellation of (amount, currency, whether the
    platform refunded it), a human agent's reply, or an unanswered follow-up."""
    started = started or timezone.now() - LONG_AGO
    convo = Conversation.objects.create(
        store=store, channel=channel, status=status, primary_intent=intent, state=state or {}
    )
    last = started
    customer = _message(convo, MessageRole.CUSTOMER, "Where is my order?", started)
    if reply_after is not None:
        last = started + reply_after
        _message(convo, MessageRole.ASSISTANT, "It is on its way.", last)
        Message.objects.filter(pk=customer.pk).update(handled_at=last)
    for kind in executed:
        _action(convo, kind, ActionStatus.EXECUTED, last)
    for kind, action_status in other_actions:
        _action(convo, kind, action_status, last)
    if refund is not None:
        _action(
            convo,
            ActionKind.REFUND,
            ActionStatus.EXECUTED,
            last,
            amount=refund[0],
            currency=refund[1],
        )
    if cancellation is not None:
        amount, currency, refunded = cancellation
        cancel = _action(
            convo,
            ActionKind.CANCEL_ORDER,
            ActionStatus.EXECUTED,
            last,
            amount=amount,
            currency=currency,
        )
        AgentAction.objects.filter(pk=cancel.pk).update(
            result={"order_id": "gid://shopify/Order/1", "refunded": refunded}
        )
    if human_reply:
        last += timedelta(minutes=2)
        _message(convo, MessageRole.HUMAN_AGENT, "Let me check for you.", last)
    if unanswered_followup:
        last += timedelta(minutes=3)
        _message(convo, MessageRole.CUSTOMER, "Hello? Are you there?", last)
    resolved_at = last if status == ConversationStatus.RESOLVED else None
    Conversation.objects.filter(pk=convo.pk).update(
        created_at=started, last_message_at=last, updated_at=last, resolved_at=resolved_at
    )
    convo.refresh_from_db()
    return convo


def _message(convo: Conversation, role: str, text: str, at: datetime) -> Message:
    message = Message.objects.create(
        store_id=convo.store_id, conversation=convo, role=role, text=text
    )
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


def _action(
    convo: Conversation,
    kind: str,
    status: str,
    at: datetime,
    *,
    amount: str | None = None,
    currency: str = "",
) -> AgentAction:
    action = AgentAction.objects.create(
        store_id=convo.store_id,
        conversation=convo,
        kind=kind,
        status=status,
        idempotency_key=f"test-action-{next(_keys)}",
        amount=Decimal(amount) if amount else None,
        currency=currency,
        executed_at=at if status == ActionStatus.EXECUTED else None,
    )
    AgentAction.objects.filter(pk=action.pk).update(created_at=at)
    return action


def abandoned(store: Store, **kwargs: Any) -> Conversation:
    """The agent asked for an order number and the customer never answered."""
    return conversation(store, executed=(), state={"awaiting": "order_number"}, **kwargs)


def abandoned_proposal(store: Store, **kwargs: Any) -> Conversation:
    """A refund proposed after a lookup; the customer never said yes."""
    pending = {"kind": "refund", "order_id": "gid://shopify/Order/1", "order_name": "#1001"}
    return conversation(store, state={"awaiting": "confirmation", "pending": pending}, **kwargs)


def escalated(store: Store, **kwargs: Any) -> Conversation:
    return conversation(
        store,
        status=ConversationStatus.ESCALATED,
        executed=(ActionKind.LOOKUP_ORDER, ActionKind.ESCALATE),
        **kwargs,
    )


def human_finished(store: Store, **kwargs: Any) -> Conversation:
    return conversation(store, status=ConversationStatus.HUMAN_HANDLING, human_reply=True, **kwargs)
