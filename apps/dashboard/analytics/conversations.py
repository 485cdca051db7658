"""Conversation counts per day, per intent and in total, in one pass over the database.

Each conversation of the range becomes one row of facts, built by the ORM from the same
expressions billing uses (billing.resolution): its day, intent, whether the AI resolved
it, whether it was escalated, and its first-reply time (its first assistant message minus
its first customer message; left out when the assistant spoke first). One SQL statement
then groups those facts three ways (UNION ALL over one CTE), so every per-conversation
subquery runs once, whatever is shown. PostgreSQL computes the medians with
percentile_cont; SQLite (the demo) has no such aggregate, and there the medians are taken
from the first-reply times the database computed (`_sqlite_medians`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate

from apps.billing.resolution import ai_resolved_q, escalated_q
from apps.conversations.models import Conversation, Message, MessageRole
from apps.dashboard.analytics.results import Counts, DateRange
from apps.stores.models import Store

# Group keys of the three groupings in the statement's first column.
BY_DAY, BY_INTENT, ALL = "day", "intent", "all"

_COUNTS = (
    "COUNT(*), SUM(CASE WHEN ai THEN 1 ELSE 0 END), SUM(CASE WHEN escalation THEN 1 ELSE 0 END)"
)
# The facts' SQL (the ORM's, with its parameters) goes between these; nothing else but
# constants is put into the statement.
_HEAD = "WITH facts AS {materialized} ("
_TAIL = (
    ") SELECT 'day', day, NULL, {counts}, {median} FROM facts GROUP BY day "
    "UNION ALL "
    "SELECT 'intent', NULL, intent, {counts}, {median} FROM facts GROUP BY intent "
    "UNION ALL "
    "SELECT 'all', NULL, NULL, {counts}, {median} FROM facts"
)
_PERCENTILE = "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY reply) FILTER (WHERE reply >= %s)"


def uses_percentile() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def planner_settings() -> Iterator[None]:
    """PostgreSQL's JIT compiles these statements (their estimated cost is high) and spends
    far longer compiling than running them: off for this transaction only."""
    with transaction.atomic():
        if uses_percentile():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _first(role: str) -> Subquery:
    """The conversation's first message of `role` (an index probe on (conversation, id))."""
    first = Message.objects.filter(conversation=OuterRef("pk"), role=role)
    return Subquery(first.order_by("id").values("created_at")[:1], output_field=DateTimeField())


def _first_reply() -> ExpressionWrapper:
    """First assistant message minus first customer message (negative when the assistant
    spoke first: such values are left out of the medians)."""
    return ExpressionWrapper(
        F("first_answer_at") - F("first_customer_at"), output_field=DurationField()
    )


def conversation_facts(store: Store, span: DateRange, now: datetime) -> QuerySet[Any]:
    """One row per conversation started in `span`: day, intent, ai, escalation, reply."""
    return (
        Conversation.objects.filter(
            store=store, created_at__gte=span.start_at, created_at__lt=span.end_at
        )
        .annotate(
            first_customer_at=_first(MessageRole.CUSTOMER),
            first_answer_at=_first(MessageRole.ASSISTANT),
        )
        .annotate(
            day=TruncDate("created_at"),
            intent=F("primary_intent"),
            ai=ExpressionWrapper(ai_resolved_q(now), output_field=BooleanField()),
            escalation=ExpressionWrapper(escalated_q(), output_field=BooleanField()),
            reply=_first_reply(),
        )
        .values("day", "intent", "ai", "escalation", "reply")
    )


def _statement(facts: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = facts.query.sql_with_params()
    postgres = uses_percentile()
    head = _HEAD.format(materialized="MATERIALIZED" if postgres else "")
    tail = _TAIL.format(counts=_COUNTS, median=_PERCENTILE if postgres else "NULL")
    statement = head + sql + tail
    # One zero-duration parameter per median (three groupings), after the CTE's own.
    zeros = (timedelta(0),) * 3 if postgres else ()
    return statement, (*params, *zeros)


@dataclass(frozen=True)
class Grouped:
    days: dict[date, Counts]
    intents: dict[str, Counts]
    totals: Counts


def conversation_counts(store: Store, span: DateRange, now: datetime) -> Grouped:
    """Counts and medians per day, per intent and in total for `store`'s conversations."""
    facts = conversation_facts(store, span, now)
    statement, params = _statement(facts)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    grouped = Grouped(days={}, intents={}, totals=Counts())
    for group, day, intent, total, ai, escalated, median in rows:
        counts = Counts(int(total), int(ai or 0), int(escalated or 0), _duration(median))
        if group == BY_DAY:
            grouped.days[_date(day)] = counts
        elif group == BY_INTENT:
            grouped.intents[intent or ""] = counts
        else:
            grouped = Grouped(grouped.days, grouped.intents, counts)
    if not uses_percentile():
        _sqlite_medians(facts, grouped)
    return grouped


def _date(value: Any) -> date:
    # SQLite returns the truncated day as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _duration(value: Any) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=int(value))  # SQLite durations are microseconds


def _sqlite_medians(facts: QuerySet[Any], grouped: Grouped) -> None:
    """The demo database's medians: from the first-reply times SQLite computed per
    conversation (it has no percentile aggregate)."""
    by_day: dict[date, list[timedelta]] = defaultdict(list)
    by_intent: dict[str, list[timedelta]] = defaultdict(list)
    replies: list[timedelta] = []
    for day, intent, reply in facts.filter(reply__isnull=False).values_list(
        "day", "intent", "reply"
    ):
        value = _duration(reply)
        if value is None or value < timedelta(0):
            continue
        by_day[_date(day)].append(value)
        by_intent[intent or ""].append(value)
        replies.append(value)
    for key, values in by_day.items():
        grouped.days[key].median_first_reply = _median(values)
    for name, values in by_intent.items():
        grouped.intents[name].median_first_reply = _median(values)
    grouped.totals.median_first_reply = _median(replies) if replies else None


def _median(values: list[timedelta]) -> timedelta:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))
