"""Guessing at orders across conversations: count failed ownership checks per order and per
client, not only per conversation, and stop looking up while either is over its limit.

The per-conversation lockout (state.MAX_FAILED_VERIFICATIONS) alone is reset by starting a
new chat. Here every failed check is a `lookup_order` row with status failed (they are the
audit trail anyway), so the counts need no extra store and survive restarts:

- per (store, order number): at most ORDER_FAILURES_PER_WINDOW in WINDOW, whoever tries;
- per (store, client): at most CLIENT_FAILURES_PER_WINDOW in WINDOW, in any conversation
  (the client is a keyed hash of the chat caller's address that the chat API keeps in the
  message's metadata: apps.core.clients.client_key).

A refused attempt is itself recorded as a failure, so a client that keeps trying stays
blocked until it has been quiet for a whole WINDOW (back-off), and the conversation is
handed to the merchant's people with the reason (the merchant's notice).

Also here: which numbers could be an order of this store at all. A ZIP code, a tracking
number or "override code 7731" typed where an order number belongs is not an attempt at
an order, so it is neither looked up nor counted.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q

from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.orders.models import Order

WINDOW = timedelta(hours=1)
ORDER_FAILURES_PER_WINDOW = 5
CLIENT_FAILURES_PER_WINDOW = 6
# New orders arrive after the local snapshot was read: numbers a little above the highest
# known one are still plausible.
NEWER_ORDERS_SLACK = 500
BLOCKED_ERROR = "Refused: too many failed checks"
# Recorded for a number outside the store's range; such rows are not counted.
NOT_AN_ORDER = "Not one of this store's order numbers."


# The range of a store's order numbers, read once a minute per process (it only grows).
_SPAN_SECONDS = 60.0
_spans: dict[int, tuple[float, int | None, int | None]] = {}


def could_be_order(store_id: int, number: str) -> bool:
    """Is `number` within the range of this store's order numbers? (True when unknown.)"""
    if not number.isdigit():
        return False
    low, high = _span(store_id)
    if low is None or high is None:
        return True
    return low <= int(number) <= high + NEWER_ORDERS_SLACK


def _span(store_id: int) -> tuple[int | None, int | None]:
    cached = _spans.get(store_id)
    if cached is not None and time.monotonic() - cached[0] < _SPAN_SECONDS:
        return cached[1], cached[2]
    span = Order.objects.filter(store_id=store_id, number__isnull=False).aggregate(
        low=Min("number"), high=Max("number")
    )
    _spans[store_id] = (time.monotonic(), span["low"], span["high"])
    return span["low"], span["high"]


def blocked_reason(*, store_id: int, number: str, client: str, now: datetime) -> str:
    """Why lookups of `number` (or by `client`) are refused now, or "" (one query)."""
    by_client = Q(message__metadata__client=client) if client else Q(pk__in=[])
    counts = (
        AgentAction.objects.filter(
            store_id=store_id,
            kind=ActionKind.LOOKUP_ORDER,
            status=ActionStatus.FAILED,
            created_at__gte=now - WINDOW,
        )
        .exclude(error=NOT_AN_ORDER)
        .aggregate(
            order=Count("pk", filter=Q(parameters__order_number=number)),
            client=Count("pk", filter=by_client),
        )
    )
    if counts["order"] >= ORDER_FAILURES_PER_WINDOW:
        return f"Repeated failed checks of order #{number} across conversations"
    if counts["client"] >= CLIENT_FAILURES_PER_WINDOW:
        return "Repeated failed order checks from one client across conversations"
    return ""
