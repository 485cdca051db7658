"""Executed actions per day and kind, and refunds per day and currency (grouped queries)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.dashboard.analytics.results import ActionTotal, DateRange, RefundTotal
from apps.stores.models import Store

NO_CURRENCY = "—"


def _executed(store: Store, span: DateRange) -> QuerySet[Any]:
    # Lookups are recorded executed without an executed_at: their creation is the moment.
    return (
        AgentAction.objects.filter(store=store, status=ActionStatus.EXECUTED)
        .annotate(done_at=Coalesce("executed_at", "created_at"))
        .filter(done_at__gte=span.start_at, done_at__lt=span.end_at)
        .annotate(day=TruncDate("done_at"))
    )


def action_counts(store: Store, span: DateRange) -> list[dict[str, Any]]:
    """[{day, kind, n}] for actions carried out in `span`."""
    rows = _executed(store, span).values("day", "kind").annotate(n=Count("pk"))
    return list(rows.order_by("day", "kind"))


def refund_sums(store: Store, span: DateRange) -> list[dict[str, Any]]:
    """[{day, currency, amount, n}] for refunds issued in `span`."""
    rows = (
        _executed(store, span)
        .filter(kind=ActionKind.REFUND)
        .values("day", "currency")
        .annotate(amount=Sum("amount"), n=Count("pk"))
    )
    return list(rows.order_by("day", "currency"))


def action_totals(rows: list[dict[str, Any]]) -> list[ActionTotal]:
    """Per kind over the range, most frequent first (sums of the grouped rows)."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["kind"]] += row["n"]
    labels = dict(ActionKind.choices)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [ActionTotal(kind, str(labels.get(kind, kind)), count) for kind, count in ranked]


def refund_totals(rows: list[dict[str, Any]]) -> list[RefundTotal]:
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        currency = row["currency"] or NO_CURRENCY
        amounts[currency] += row["amount"] or Decimal("0")
        counts[currency] += row["n"]
    return [RefundTotal(c, amounts[c], counts[c]) for c in sorted(amounts)]
