"""What the analytics page shows: plain data, filled in by the queries of this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
NO_INTENT = "unclassified"


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def default_range(today: date) -> DateRange:
    return DateRange(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today)


def human_duration(value: timedelta | None) -> str:
    """ "4 s", "2 min 5 s", "3 h 10 min"; "—" for no value."""
    if value is None:
        return "—"
    seconds = max(0, round(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "—")."""
    return part / whole if whole else None


@dataclass
class Counts:
    conversations: int = 0
    ai_resolved: int = 0
    escalated: int = 0
    median_first_reply: timedelta | None = None

    @property
    def automation_rate(self) -> float | None:
        return rate(self.ai_resolved, self.conversations)

    @property
    def first_reply_text(self) -> str:
        return human_duration(self.median_first_reply)


@dataclass
class DayRow(Counts):
    day: date = date.min
    actions_executed: int = 0
    refunds_count: int = 0
    refunds: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class IntentRow(Counts):
    intent: str = ""


@dataclass(frozen=True)
class ActionTotal:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class RefundTotal:
    currency: str
    amount: Decimal
    count: int


@dataclass
class Analytics:
    range: DateRange
    totals: Counts
    days: list[DayRow]
    intents: list[IntentRow]
    actions: list[ActionTotal]
    refunds: list[RefundTotal]

    @property
    def currencies(self) -> list[str]:
        return [r.currency for r in self.refunds]

    @property
    def actions_executed(self) -> int:
        return sum(a.count for a in self.actions)

    @property
    def is_empty(self) -> bool:
        return self.totals.conversations == 0 and not self.actions
