"""Conversations, messages and actions for inbox tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Conversation,
    Message,
    MessageRole,
)
from apps.stores.models import Store

_keys = itertools.count(1)


def conversation(
    store: Store,
    *,
    email: str = "shopper@example.com",
    status: str = "ai_handling",
    intent: str = "order_status",
    channel: str = "web",
    created_at: datetime | None = None,
    messages: tuple[str, ...] = ("Where is my order?", "It is on its way."),
) -> Conversation:
    row = Conversation.objects.create(
        store=store, customer_email=email, status=status, primary_intent=intent, channel=channel
    )
    if created_at is not None:
        Conversation.objects.filter(pk=row.pk).update(created_at=created_at)
        row.refresh_from_db()
    roles = itertools.cycle([MessageRole.CUSTOMER, MessageRole.ASSISTANT])
    for text, role in zip(messages, roles, strict=False):
        Message.objects.create(store=store, conversation=row, role=role, text=text)
    return row


def action(
    conv: Conversation,
    *,
    status: str = ActionStatus.AWAITING_APPROVAL,
    kind: str = ActionKind.REFUND,
    amount: str | None = "80.00",
    evidence: dict | None = None,
) -> AgentAction:
    return AgentAction.objects.create(
        store_id=conv.store_id,
        conversation=conv,
        message=conv.messages.first(),
        kind=kind,
        status=status,
        idempotency_key=f"test:{next(_keys)}",
        parameters={"order_id": "o1", "order_name": "#1001", "amount": amount, "currency": "USD"},
        amount=Decimal(amount) if amount else None,
        currency="USD",
        policy_version=3,
        policy_reason="Refunds above 50.00 USD are approved by the team.",
        evidence=evidence or {},
    )
