"""Daily rollups: compute a store's day from the source rows, store it, read it back.

A day is computed by the same statements as the live figures (conversations.py,
actions.py) over that one day, so a rollup equals the live computation of its day as of
the moment it was computed. Refreshing is idempotent (an upsert keyed by store and day);
it is triggered when a conversation or action of a past day changes (signals.py), by an
hourly sweep of recent changes and quiet periods ending, and by a nightly heal of
yesterday and the day before (tasks.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.conversations.models import Conversation
from apps.dashboard.analytics import buckets
from apps.dashboard.analytics.actions import add_action_days
from apps.dashboard.analytics.conversations import conversation_days, planner_settings
from apps.dashboard.analytics.models import DailyRollup
from apps.dashboard.analytics.results import DateRange
from apps.dashboard.analytics.returns import add_return_days
from apps.dashboard.analytics.tally import DayFacts, Refunded, Tally
from apps.stores.models import Store


def local_today(store: Store, now: datetime) -> date:
    return timezone.localtime(now, store.zone).date()


def compute_days(store: Store, span: DateRange, now: datetime) -> dict[date, DayFacts]:
    """`store`'s figures per day of `span` from the source rows (days with data only)."""
    days = conversation_days(store, span, now)
    add_action_days(store, span, days)
    add_return_days(store, span, days)
    return days


def retained_since(store: Store, now: datetime) -> date:
    """The first day whose source rows the conversation retention still keeps whole."""
    keep = getattr(getattr(store, "settings", None), "conversation_retention_days", None)
    return local_today(store, now) - timedelta(days=(keep or 730) - 1)


def rollup_refresh(store: Store, first: date, last: date, *, now: datetime) -> int:
    """Recompute and store `store`'s days first..last (only days before today and still
    within retention: today is always live, erased days keep their last rollup).
    Returns how many days were written."""
    first = max(first, retained_since(store, now))
    last = min(last, local_today(store, now) - timedelta(days=1))
    if first > last:
        return 0
    span = DateRange(first, last, store.zone)
    with planner_settings():
        computed = compute_days(store, span, now)
        for day in span.days:
            _write(store, computed.get(day) or DayFacts(day=day), now)
    return len(span.days)


def _write(store: Store, facts: DayFacts, now: datetime) -> None:
    totals = facts.totals
    DailyRollup.objects.update_or_create(
        store=store,
        day=facts.day,
        defaults={
            "timezone": store.timezone,
            "conversations": totals.conversations,
            "ai_resolved": totals.ai_resolved,
            "escalated": totals.escalated,
            "human_handled": totals.human_handled,
            "actions_executed": sum(facts.actions.values()),
            "histograms": {
                "first_reply": buckets.to_json(totals.first_reply),
                "resolution": buckets.to_json(totals.resolution),
            },
            "intents": {name: tally.to_json() for name, tally in facts.intents.items()},
            "channels": facts.channels,
            "actions": facts.actions,
            "refunds": {
                currency: {"amount": str(refunded.amount), "count": refunded.count}
                for currency, refunded in facts.refunds.items()
            },
            "returns": {
                "label_spend": _money_json(facts.label_spend),
                "to_refund": buckets.to_json(facts.return_to_refund),
            },
            "computed_at": now,
        },
    )


def _money_json(money: dict[str, Refunded]) -> dict[str, dict[str, Any]]:
    return {c: {"amount": str(m.amount), "count": m.count} for c, m in money.items()}


def _money(value: dict[str, Any] | None) -> dict[str, Refunded]:
    return {c: Refunded(Decimal(v["amount"]), int(v["count"])) for c, v in (value or {}).items()}


_READ = (
    "day", "conversations", "ai_resolved", "escalated", "human_handled", "histograms",
    "intents", "channels", "actions", "refunds", "returns",
)  # fmt: skip


def rollup_read(store: Store, span: DateRange) -> dict[date, DayFacts]:
    """The stored days of `span` cut in the store's current time zone."""
    rows = DailyRollup.objects.filter(
        store=store, day__gte=span.start, day__lte=span.end, timezone=store.timezone
    ).values_list(*_READ)
    return {row[0]: _facts(*row) for row in rows}


def facts_of(row: DailyRollup) -> DayFacts:
    return _facts(*(getattr(row, name) for name in _READ))


def _facts(
    day: date,
    conversations: int,
    ai_resolved: int,
    escalated: int,
    human_handled: int,
    histograms: dict[str, Any] | None,
    intents: dict[str, Any] | None,
    channels: dict[str, int] | None,
    actions: dict[str, int] | None,
    refunds: dict[str, Any] | None,
    returns: dict[str, Any] | None = None,
) -> DayFacts:
    histograms = histograms or {}
    totals = Tally(
        conversations=conversations,
        ai_resolved=ai_resolved,
        escalated=escalated,
        human_handled=human_handled,
        first_reply=buckets.from_json(histograms.get("first_reply")),
        resolution=buckets.from_json(histograms.get("resolution")),
    )
    return DayFacts(
        day=day,
        totals=totals,
        stored_intents=intents or {},
        channels=dict(channels or {}),
        actions=dict(actions or {}),
        refunds=_money(refunds),
        label_spend=_money((returns or {}).get("label_spend")),
        return_to_refund=buckets.from_json((returns or {}).get("to_refund")),
    )


def conversation_day(conversation: Conversation, store: Store) -> date:
    return timezone.localtime(conversation.created_at, store.zone).date()
