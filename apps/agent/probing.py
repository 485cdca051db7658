"""Guessing at orders across conversations: count failed ownership checks per order and per
client, not only per conversation, and stop looking up while either is over its limit.

The per-conversation lockout (state.MAX_FAILED_VERIFICATIONS) alone is reset by starting a
new chat. Here every failed check is a `lookup_order` row with status failed (they are the
audit trail anyway), so the counts need no extra store and survive restarts:

- per (store, order number): at most ORDER_FAILURES_PER_WINDOW in WINDOW, whoever tries;
- per (store, client): at most CLIENT_FAILURES_PER_WINDOW in WINDOW, in any conversation
  (the client is a keyed hash of the chat caller's address that the chat API keeps in the
  message's metadata: apps.conversations.api.clients.client_key).

A refused attempt is itself recorded as a failure, so a client that keeps trying stays
blocked until it has been quiet for a whole WINDOW (back-off), and the conversation is
handed to the merchant's people with the reason (the merchant's notice).

Also here: which numbers could be an order of this store at all. A ZIP code, a tracking
number or "override code 7731" typed where an order number belongs is not an attempt at
an order, so it is neither looked up nor counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Min, QuerySet

from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.orders.models import Order

WINDOW = timedelta(hours=1)
ORDER_FAILURES_PER_WINDOW = 5
CLIENT_FAILURES_PER_WINDOW = 6
# New orders arrive after the local snapshot was read: numbers a little above the highest
# known one are still plausible.
NEWER_ORDERS_SLACK = 500
BLOCKED_ERROR = "Refused: too many failed checks"


def could_be_order(store_id: int, number: str) -> bool:
    """Is `number` within the range of this store's order numbers? (True when unknown.)"""
    if not number.isdigit():
        return False
    span = Order.objects.filter(store_id=store_id, number__isnull=False).aggregate(
        low=Min("number"), high=Max("number")
    )
    low, high = span["low"], span["high"]
    if low is None or high is None:
        return True
    return low <= int(number) <= high + NEWER_ORDERS_SLACK


def _failures(store_id: int, since: datetime) -> QuerySet[AgentAction]:
    return AgentAction.objects.filter(
        store_id=store_id,
        kind=ActionKind.LOOKUP_ORDER,
        status=ActionStatus.FAILED,
        created_at__gte=since,
    )


def blocked_reason(*, store_id: int, number: str, client: str, now: datetime) -> str:
    """Why lookups of `number` (or by `client`) are refused now, or ""."""
    failures = _failures(store_id, now - WINDOW)
    if failures.filter(parameters__order_number=number).count() >= ORDER_FAILURES_PER_WINDOW:
        return f"Repeated failed checks of order #{number} across conversations"
    by_client = failures.filter(message__metadata__client=client) if client else None
    if by_client is not None and by_client.count() >= CLIENT_FAILURES_PER_WINDOW:
        return "Repeated failed order checks from one client across conversations"
    return ""
