"""Executed actions per day and kind, and money refunded per day and currency.

"Refunded" is all money the agent gave back: executed refunds, and executed cancellations
whose platform reported a refund (a cancelled unshipped order is refunded in full: the
action's amount). Actions count on the day (store time zone) they were carried out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.dashboard.analytics.results import ActionTotal, DateRange, RefundTotal
from apps.dashboard.analytics.tally import DayFacts, Refunded
from apps.stores.models import Store

NO_CURRENCY = "—"


def money_returned_q() -> Q:
    """An executed action that gave money back: a refund, or a cancellation with a refund."""
    cancelled_and_refunded = Q(
        kind=ActionKind.CANCEL_ORDER, result__refunded=True, amount__isnull=False
    )
    return Q(kind=ActionKind.REFUND) | cancelled_and_refunded


def executed_actions(store: Store, span: DateRange) -> QuerySet[Any]:
    # Lookups are recorded executed without an executed_at: their creation is the moment.
    return (
        AgentAction.objects.filter(store=store, status=ActionStatus.EXECUTED)
        .annotate(done_at=Coalesce("executed_at", "created_at"))
        .filter(done_at__gte=span.start_at, done_at__lt=span.end_at)
        .annotate(day=TruncDate("done_at", tzinfo=span.zone))
    )


def add_action_days(store: Store, span: DateRange, days: dict[date, DayFacts]) -> None:
    """File `store`'s executed actions and money returned in `span` into `days`."""
    for row in executed_actions(store, span).values("day", "kind").annotate(n=Count("pk")):
        facts = days.setdefault(row["day"], DayFacts(day=row["day"]))
        facts.actions[row["kind"]] = facts.actions.get(row["kind"], 0) + row["n"]
    refunds = (
        executed_actions(store, span)
        .filter(money_returned_q())
        .values("day", "currency")
        .annotate(amount=Sum("amount"), n=Count("pk"))
    )
    for row in refunds:
        facts = days.setdefault(row["day"], DayFacts(day=row["day"]))
        refunded = facts.refunded(row["currency"] or NO_CURRENCY)
        refunded.amount += row["amount"] or Decimal("0")
        refunded.count += row["n"]


def action_totals(actions: dict[str, int]) -> list[ActionTotal]:
    """Per kind over the range, most frequent first."""
    labels = dict(ActionKind.choices)
    ranked = sorted(actions.items(), key=lambda item: (-item[1], item[0]))
    return [ActionTotal(kind, str(labels.get(kind, kind)), count) for kind, count in ranked]


def refund_totals(refunds: dict[str, Refunded]) -> list[RefundTotal]:
    return [
        RefundTotal(currency, refunds[currency].amount, refunds[currency].count)
        for currency in sorted(refunds)
    ]
