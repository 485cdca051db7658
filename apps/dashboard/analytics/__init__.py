"""Analytics for one store over a date range, computed by the database.

Per day (the day a conversation started, UTC) and per intent: conversations, resolved by
the AI (billing.resolution: the same rule billing charges for), escalated, the
automation rate (resolved by AI / conversations) and the median first-reply time; per
day and in total: actions carried out by kind and refunds issued by currency.

Three statements whatever the range (conversations.py, actions.py), all grouped in the
database; Python only files the grouped rows into days and intents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from apps.dashboard.analytics.actions import (
    NO_CURRENCY,
    action_counts,
    action_totals,
    refund_sums,
    refund_totals,
)
from apps.dashboard.analytics.conversations import (
    Grouped,
    conversation_counts,
    planner_settings,
)
from apps.dashboard.analytics.results import (
    MAX_RANGE_DAYS,
    NO_INTENT,
    Analytics,
    Counts,
    DateRange,
    DayRow,
    IntentRow,
    default_range,
    human_duration,
)
from apps.stores.models import Store

__all__ = [
    "MAX_RANGE_DAYS",
    "Analytics",
    "Counts",
    "DateRange",
    "DayRow",
    "IntentRow",
    "default_range",
    "human_duration",
    "store_analytics",
]


def store_analytics(store: Store, span: DateRange, *, now: datetime) -> Analytics:
    """Everything the analytics page and its CSV show, for `store` only."""
    with planner_settings():
        grouped = conversation_counts(store, span, now)
        actions = action_counts(store, span)
        refunds = refund_sums(store, span)
    return Analytics(
        range=span,
        totals=grouped.totals,
        days=_day_rows(span, grouped, actions, refunds),
        intents=_intent_rows(grouped),
        actions=action_totals(actions),
        refunds=refund_totals(refunds),
    )


def _fields(counts: Counts) -> dict[str, Any]:
    return {
        "conversations": counts.conversations,
        "ai_resolved": counts.ai_resolved,
        "escalated": counts.escalated,
        "median_first_reply": counts.median_first_reply,
    }


def _day_rows(
    span: DateRange,
    grouped: Grouped,
    actions: list[dict[str, Any]],
    refunds: list[dict[str, Any]],
) -> list[DayRow]:
    rows = {day: DayRow(day=day, **_fields(grouped.days.get(day, Counts()))) for day in span.days}
    for action in actions:
        if action["day"] in rows:
            rows[action["day"]].actions_executed += action["n"]
    for refund in refunds:
        if refund["day"] in rows:
            row = rows[refund["day"]]
            row.refunds_count += refund["n"]
            row.refunds[refund["currency"] or NO_CURRENCY] = refund["amount"] or Decimal("0")
    return [rows[day] for day in span.days]


def _intent_rows(grouped: Grouped) -> list[IntentRow]:
    rows = [
        IntentRow(intent=intent or NO_INTENT, **_fields(counts))
        for intent, counts in grouped.intents.items()
    ]
    return sorted(rows, key=lambda r: (-r.conversations, r.intent))
