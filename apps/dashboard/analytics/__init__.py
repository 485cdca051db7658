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
    WEEKLY_AFTER_DAYS,
    Analytics,
    Counts,
    DateRange,
    DayRow,
    EmptyDays,
    IntentRow,
    default_range,
    human_duration,
    periods,
)
from apps.dashboard.analytics.rollups import compute_days, local_today, rollup_read
from apps.dashboard.analytics.tally import DayFacts, Refunded, Tally, merge_days
from apps.stores.models import Store

__all__ = [
    "MAX_RANGE_DAYS",
    "WEEKLY_AFTER_DAYS",
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
    store: Store,
    span: DateRange,
    *,
    now: datetime,
    rollups: bool = True,
    weekly: bool = False,
) -> Analytics:
    """Everything the analytics page and its CSV show, for `store` only. `rollups=False`
    computes every day from the live rows (the rollups' reference). `weekly`: a row per
    week (Monday to Sunday, cut to the range) instead of per day, each week's figures
    merged from its days' (a median from the merged histograms)."""
    span = DateRange(span.start, span.end, store.zone)
    with planner_settings():
        past = _cached_past(store, span, now, weekly=weekly) if rollups else None
        if past is None:
            days = _days(store, span, now, rollups=rollups)
            merged = merge_days(days.values())
            rows = _rows(days, span.days, weekly=weekly)
        else:
            past_rows, past_last, past_merged = past
            # What follows the past days: today, when the range reaches it.
            live_span = DateRange(past_rows[-1].last + timedelta(days=1), span.end, store.zone)
            live = compute_days(store, live_span, now) if live_span.days else {}
            merged = merge_days([past_merged, *live.values()])
            rows = list(past_rows)
            if weekly and live_span.days and live_span.start.weekday() != 0:
                # Today's week began in the past: one row of its past days and today.
                rows[-1] = _row([*past_last, *live.values()], rows[-1].day, live_span.end)
            else:
                rows += _rows(live, live_span.days, weekly=weekly)
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


def _rows(days: dict[date, DayFacts], span_days: list[date], *, weekly: bool) -> list[DayRow]:
    return [
        _row([days[d] for d in period if d in days], period[0], period[-1] if weekly else None)
        for period in periods(span_days, weekly=weekly)
    ]


def _cached_past(
    store: Store, span: DateRange, now: datetime, *, weekly: bool
) -> tuple[list[DayRow], list[DayFacts], DayFacts] | None:
    """The rows and merged figures of `span`'s days before today, from the cache when
    their rollups are unchanged; None when there are no such days or one has no rollup.
    With the rows, the facts of the last row's days (weekly: today's week may have begun
    in the past, and its row is merged with today's)."""
    past = DateRange(span.start, min(span.end, local_today(store, now) - timedelta(days=1)))
    if past.start > past.end:
        return None
    key = cache.rollups_key(store, past)
    if key is None:
        return None

    def build() -> tuple[list[DayRow], list[DayFacts], DayFacts]:
        stored = rollup_read(store, past)
        rows = _rows(stored, past.days, weekly=weekly)
        last = [stored[d] for d in past.days if d >= rows[-1].day and d in stored]
        return rows, last if weekly else [], merge_days(stored.values())

    return cache.cached(f"{key}:{'week' if weekly else 'day'}", build)


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


def _row(days: list[DayFacts], first: date, through: date | None) -> DayRow:
    """The table row of one day (`through` None) or of the days `first` to `through`:
    their counts summed and the median of their merged first-reply histograms (only
    what the row shows is merged; a day's intents are left unread)."""
    tally = Tally()
    actions = 0
    refunds: dict[str, Refunded] = {}
    for facts in days:
        tally.add(facts.totals)
        actions += sum(facts.actions.values())
        for currency, refunded in facts.refunds.items():
            total = refunds.setdefault(currency, Refunded())
            total.amount += refunded.amount
            total.count += refunded.count
    return DayRow(
        day=first,
        through=through,
        conversations=tally.conversations,
        ai_resolved=tally.ai_resolved,
        escalated=tally.escalated,
        median_first_reply=buckets.median(tally.first_reply),
        actions_executed=actions,
        refunds_count=sum(r.count for r in refunds.values()),
        refunds={currency: refunds[currency].amount for currency in sorted(refunds)},
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
