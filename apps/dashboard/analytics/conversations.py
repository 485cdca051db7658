"""Conversation figures per day from the source rows, in one grouped statement.

Each conversation of the range becomes one row of facts, built by the ORM from the same
expressions billing uses (billing.resolution): its day in the store's time zone, intent,
channel, whether the AI resolved it, whether it was escalated or handled by a person, the
bucket of its first-reply time (first assistant message minus first customer message;
none when the assistant spoke first) and, when resolved by the AI, the bucket of its
time to resolution. One SQL statement groups those facts (a MATERIALIZED CTE, so every
per-conversation subquery runs once); Python only files the grouped rows into days.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor, TruncDate

from apps.billing.resolution import (
    CREATED_AFTER_SLACK,
    ai_resolved_q,
    escalated_q,
    resolved_at_expression,
)
from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole
from apps.dashboard.analytics import buckets
from apps.dashboard.analytics.results import DateRange
from apps.dashboard.analytics.tally import DayFacts, Tally
from apps.stores.models import Store

_COLUMNS = ("day", "intent", "channel", "ai", "escalation", "human", "reply", "resolution")


def uses_materialized_cte() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def planner_settings() -> Iterator[None]:
    """PostgreSQL's JIT compiles these statements (their estimated cost is high) and spends
    far longer compiling than running them: off for this transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


class Seconds(Func):
    """A duration expression in seconds (float) on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "EXTRACT(EPOCH FROM %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # Django's SQLite durations are integer microseconds.
        template = "(%(expressions)s / 1000000.0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def bucket_expression(seconds: str) -> Case:
    """SQL twin of buckets.bucket_of over the annotation `seconds` (NULL or negative: NULL)."""
    value = F(seconds)
    whens = [When(Q(**{f"{seconds}__isnull": True}) | Q(**{f"{seconds}__lt": 0}), then=None)]
    for first, lower, upper, width in buckets.TIERS:
        index = Value(first) + Floor((value - Value(float(lower))) / Value(float(width)))
        whens.append(When(**{f"{seconds}__lt": upper}, then=Cast(index, IntegerField())))
    return Case(*whens, default=Value(buckets.OVERFLOW), output_field=IntegerField())


def _first(role: str) -> Subquery:
    """The conversation's first message of `role` (an index probe on (conversation, id))."""
    first = Message.objects.filter(conversation=OuterRef("pk"), role=role)
    return Subquery(first.order_by("id").values("created_at")[:1], output_field=DateTimeField())


def human_handled_q() -> Q:
    """A person from the merchant's team took part (took over, or wrote a message)."""
    human_message = Message.objects.filter(
        conversation=OuterRef("pk"),
        created_at__gte=OuterRef("created_at") - CREATED_AFTER_SLACK,
        role=MessageRole.HUMAN_AGENT,
    )
    return Q(status=ConversationStatus.HUMAN_HANDLING) | Q(Exists(human_message))


def conversation_facts(store: Store, span: DateRange, now: datetime) -> QuerySet[Any]:
    """One row per conversation started in `span` (the facts listed in the docstring)."""
    ai = ExpressionWrapper(ai_resolved_q(now), output_field=BooleanField())
    return (
        Conversation.objects.filter(
            store=store, created_at__gte=span.start_at, created_at__lt=span.end_at
        )
        .annotate(
            first_customer_at=_first(MessageRole.CUSTOMER),
            first_answer_at=_first(MessageRole.ASSISTANT),
        )
        .annotate(
            day=TruncDate("created_at", tzinfo=span.zone),
            intent=F("primary_intent"),
            ai=ai,
            escalation=ExpressionWrapper(escalated_q(), output_field=BooleanField()),
            human=ExpressionWrapper(human_handled_q(), output_field=BooleanField()),
            reply_s=Seconds(F("first_answer_at") - F("first_customer_at")),
            # Kept only for the AI-resolved (by the outer statement: `ai` is computed once).
            resolution_s=Seconds(resolved_at_expression() - F("created_at")),
        )
        .annotate(reply=bucket_expression("reply_s"), resolution=bucket_expression("resolution_s"))
        .values(*_COLUMNS)
    )


def _statement(facts: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = facts.query.sql_with_params()
    materialized = "MATERIALIZED " if uses_materialized_cte() else ""
    columns = ", ".join(_COLUMNS[:-1])
    # Only the ORM's SQL (its values are parameters) and constants go into the statement.
    statement = (
        f"WITH facts AS {materialized}({sql}) "  # noqa: S608
        f"SELECT {columns}, CASE WHEN ai THEN resolution ELSE NULL END, COUNT(*) "
        "FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    )
    return statement, tuple(params)


def conversation_days(store: Store, span: DateRange, now: datetime) -> dict[date, DayFacts]:
    """Per day of `span` that has conversations: their figures (DayFacts, actions empty)."""
    statement, params = _statement(conversation_facts(store, span, now))
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    days: dict[date, DayFacts] = {}
    for day, intent, channel, ai, escalation, human, reply, resolution, count in rows:
        key = _date(day)
        facts = days.setdefault(key, DayFacts(day=key))
        group = _tally(bool(ai), bool(escalation), bool(human), reply, resolution, int(count))
        facts.totals.add(group)
        facts.intent(intent or "").add(group)
        facts.channels[channel] = facts.channels.get(channel, 0) + int(count)
    return days


def _tally(
    ai: bool, escalation: bool, human: bool, reply: Any, resolution: Any, count: int
) -> Tally:
    return Tally(
        conversations=count,
        ai_resolved=count if ai else 0,
        escalated=count if escalation else 0,
        human_handled=count if human else 0,
        first_reply={} if reply is None else {int(reply): count},
        resolution={} if resolution is None else {int(resolution): count},
    )


def _date(value: Any) -> date:
    # SQLite returns the truncated day as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))
