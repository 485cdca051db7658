"""Analytics for one store over a range of days of its calendar.

Per day (the day a conversation started, in the store's time zone) and per intent:
conversations, resolved by the AI (billing.resolution: the same rule billing charges for),
escalated, the automation rate and the median first-reply time; per day and in total:
actions carried out by kind and money refunded by currency (refunds and cancellations
that refunded).

Days before today are read from the daily rollups (rollups.py), one row per day; today,
and any past day without a rollup yet, is computed from the live rows by the same
statements. Every figure is a sum of counts or of fixed-bucket histograms, so a range
read from rollups equals the same range computed at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from apps.dashboard.analytics import buckets, cache
from apps.dashboard.analytics.actions import action_totals, refund_totals
from apps.dashboard.analytics.conversations import planner_settings
from apps.dashboard.analytics.results import (
    MAX_RANGE_DAYS,
    NO_INTENT,
    Analytics,
    Counts,
    DateRange,
    DayRow,
    EmptyDays,
    IntentRow,
    default_range,
    human_duration,
)
from apps.dashboard.analytics.rollups import compute_days, local_today, rollup_read
from apps.dashboard.analytics.tally import DayFacts, Tally, merge_days
from apps.stores.models import Store

__all__ = [
    "MAX_RANGE_DAYS",
    "Analytics",
    "Counts",
    "DateRange",
    "DayRow",
    "EmptyDays",
    "IntentRow",
    "default_range",
    "human_duration",
    "store_analytics",
]


def store_analytics(
    store: Store, span: DateRange, *, now: datetime, rollups: bool = True
) -> Analytics:
    """Everything the analytics page and its CSV show, for `store` only. `rollups=False`
    computes every day from the live rows (the rollups' reference)."""
    span = DateRange(span.start, span.end, store.zone)
    with planner_settings():
        past = _cached_past(store, span, now) if rollups else None
        if past is None:
            days = _days(store, span, now, rollups=rollups)
            merged = merge_days(days.values())
            rows = [_day_row(days.get(day) or DayFacts(day=day)) for day in span.days]
        else:
            past_rows, past_merged = past
            live_span = DateRange(past_rows[-1].day + timedelta(days=1), span.end, store.zone)
            live = compute_days(store, live_span, now) if live_span.days else {}
            merged = merge_days([past_merged, *live.values()])
            rows = past_rows + [
                _day_row(live.get(day) or DayFacts(day=day)) for day in live_span.days
            ]
    return Analytics(
        range=span,
        totals=counts(merged.totals),
        days=rows,
        intents=_intent_rows(merged),
        actions=action_totals(merged.actions),
        refunds=refund_totals(merged.refunds),
        label_spend=refund_totals(merged.label_spend),
        median_return_to_refund=buckets.median(merged.return_to_refund),
    )


def _cached_past(
    store: Store, span: DateRange, now: datetime
) -> tuple[list[DayRow], DayFacts] | None:
    """The day rows and merged figures of `span`'s days before today, from the cache when
    their rollups are unchanged; None when there are no such days or one has no rollup."""
    past = DateRange(span.start, min(span.end, local_today(store, now) - timedelta(days=1)))
    if past.start > past.end:
        return None
    key = cache.rollups_key(store, past)
    if key is None:
        return None

    def build() -> tuple[list[DayRow], DayFacts]:
        stored = rollup_read(store, past)
        rows = [_day_row(stored.get(day) or DayFacts(day=day)) for day in past.days]
        return rows, merge_days(stored.values())

    return cache.cached(key, build)


def _days(store: Store, span: DateRange, now: datetime, *, rollups: bool) -> dict[date, DayFacts]:
    today = local_today(store, now)
    stored = rollup_read(store, span) if rollups else {}
    stored.pop(today, None)  # today is always live
    missing = [day for day in span.days if day not in stored]
    if not missing:
        return stored
    live = compute_days(store, DateRange(missing[0], missing[-1], store.zone), now)
    return {**{day: facts for day, facts in live.items() if day not in stored}, **stored}


def counts(tally: Tally) -> Counts:
    return Counts(
        conversations=tally.conversations,
        ai_resolved=tally.ai_resolved,
        escalated=tally.escalated,
        median_first_reply=buckets.median(tally.first_reply),
    )


def _day_row(facts: DayFacts) -> DayRow:
    tally = facts.totals
    return DayRow(
        day=facts.day,
        conversations=tally.conversations,
        ai_resolved=tally.ai_resolved,
        escalated=tally.escalated,
        median_first_reply=buckets.median(tally.first_reply),
        actions_executed=sum(facts.actions.values()),
        refunds_count=sum(r.count for r in facts.refunds.values()),
        refunds={currency: facts.refunds[currency].amount for currency in sorted(facts.refunds)},
    )


def _intent_rows(merged: DayFacts) -> list[IntentRow]:
    rows = [
        IntentRow(
            intent=name or NO_INTENT,
            conversations=tally.conversations,
            ai_resolved=tally.ai_resolved,
            escalated=tally.escalated,
            median_first_reply=buckets.median(tally.first_reply),
        )
        for name, tally in merged.intents.items()
    ]
    return sorted(rows, key=lambda r: (-r.conversations, r.intent))
