"""Returns per day: what the prepaid labels cost, and how long a return took to be refunded.

A label counts on the day it was bought (its executed action; the cost is the provider's
answer in the action's result). A return's time to refund runs from the customer's yes
(the return action's creation) to the refund released for it (ReturnShipment
.refund_action_id) being executed, filed on the refund's day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.conversations.models import ActionKind, AgentAction
from apps.dashboard.analytics import buckets
from apps.dashboard.analytics.actions import NO_CURRENCY, executed_actions
from apps.dashboard.analytics.results import DateRange
from apps.dashboard.analytics.tally import DayFacts, Refunded
from apps.integrations.shipping.models import ReturnShipment
from apps.stores.models import Store


def _cost(result: Any) -> Decimal | None:
    try:
        return Decimal(str((result or {}).get("cost")))
    except (InvalidOperation, ValueError):
        return None


def add_return_days(store: Store, span: DateRange, days: dict[date, DayFacts]) -> None:
    """File `store`'s label spend and return-to-refund times in `span` into `days`."""
    labels = executed_actions(store, span).filter(kind=ActionKind.RETURN_LABEL)
    for row in labels.values("day", "result"):
        cost = _cost(row["result"])
        if cost is None:
            continue
        facts = days.setdefault(row["day"], DayFacts(day=row["day"]))
        spent = facts.label_spend.setdefault(
            str(row["result"].get("currency") or NO_CURRENCY), Refunded()
        )
        spent.amount += cost
        spent.count += 1
    released = dict(
        ReturnShipment.objects.filter(store=store, refund_action_id__isnull=False).values_list(
            "refund_action_id", "reference"
        )
    )
    if not released:
        return
    refunds = list(
        executed_actions(store, span)
        .filter(kind=ActionKind.REFUND, pk__in=released)
        .values("pk", "day", "executed_at")
    )
    asked = _return_asked_at(store, [released[r["pk"]] for r in refunds])
    for refund in refunds:
        started = asked.get(released[refund["pk"]])
        if started is None or refund["executed_at"] is None:
            continue
        facts = days.setdefault(refund["day"], DayFacts(day=refund["day"]))
        seconds = (refund["executed_at"] - started).total_seconds()
        index = buckets.bucket_of(max(seconds, 0))
        facts.return_to_refund[index] = facts.return_to_refund.get(index, 0) + 1


def _return_asked_at(store: Store, references: list[str]) -> dict[str, Any]:
    """label action key -> when the return it follows was asked for (two queries)."""
    labels = AgentAction.objects.filter(
        store=store, kind=ActionKind.RETURN_LABEL, idempotency_key__in=references
    ).values_list("idempotency_key", "parameters")
    returns_of = {key: (params or {}).get("return_action_id") for key, params in labels}
    created = dict(
        AgentAction.objects.filter(
            store=store, kind=ActionKind.CREATE_RETURN, pk__in=[p for p in returns_of.values() if p]
        ).values_list("pk", "created_at")
    )
    return {key: created.get(pk) for key, pk in returns_of.items() if isinstance(pk, int)}
