"""What the analytics page shows: plain data, filled in by the queries of this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
NO_INTENT = "unclassified"


UTC_ZONE = ZoneInfo("UTC")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The moment `day` starts in `zone` (a DST change never falls at midnight in a way
    zoneinfo cannot resolve: fold 0 is the first occurrence)."""
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class DateRange:
    """Days of the merchant's calendar, in the store's time zone."""

    start: date
    end: date  # inclusive
    zone: ZoneInfo = UTC_ZONE

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.start, self.zone)

    @property
    def end_at(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return local_midnight(self.end + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def default_range(today: date, zone: ZoneInfo = UTC_ZONE) -> DateRange:
    return DateRange(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today, zone)


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


def day_label(day: date) -> str:
    """ "Mon 3 Nov": Django's "D j M" in English, without the template filter's cost (a
    year of rows made thousands of calls)."""
    return f"{day:%a} {day.day} {day:%b}"


# Past this many days the page shows a row (and a bar) per week: a year of day rows is
# more than a merchant reads, and rendering them was most of a long range's time.
WEEKLY_AFTER_DAYS = 92


@dataclass
class DayRow(Counts):
    """One day, or one period of days (`day` to `through`) when the page shows weeks."""

    day: date = date.min
    actions_executed: int = 0
    refunds_count: int = 0
    refunds: dict[str, Decimal] = field(default_factory=dict)
    through: date | None = None

    @property
    def last(self) -> date:
        return self.through or self.day

    @property
    def day_iso(self) -> str:
        return self.day.isoformat()

    @property
    def day_label(self) -> str:
        return day_label(self.day)

    @property
    def last_iso(self) -> str:
        return self.last.isoformat()

    @property
    def last_label(self) -> str:
        return day_label(self.last)

    @property
    def is_empty(self) -> bool:
        return self.conversations == 0 and self.actions_executed == 0 and not self.refunds


@dataclass(frozen=True)
class EmptyDays:
    """A run of consecutive days with nothing to show: one line in the day table."""

    first: date
    last: date

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def first_iso(self) -> str:
        return self.first.isoformat()

    @property
    def first_label(self) -> str:
        return day_label(self.first)

    @property
    def last_iso(self) -> str:
        return self.last.isoformat()

    @property
    def last_label(self) -> str:
        return day_label(self.last)


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
    # Prepaid return labels bought (amount and count per currency), and the median time
    # from a return's yes to its refund.
    label_spend: list[RefundTotal] = field(default_factory=list)
    median_return_to_refund: timedelta | None = None

    @property
    def return_to_refund_text(self) -> str:
        return human_duration(self.median_return_to_refund)

    @property
    def currencies(self) -> list[str]:
        return [r.currency for r in self.refunds]

    @property
    def actions_executed(self) -> int:
        return sum(a.count for a in self.actions)

    @property
    def is_empty(self) -> bool:
        return self.totals.conversations == 0 and not self.actions

    @property
    def table_rows(self) -> list[DayRow | EmptyDays]:
        """Newest first, each run of empty days collapsed into one EmptyDays."""
        rows: list[DayRow | EmptyDays] = []
        for row in reversed(self.days):
            if not row.is_empty:
                rows.append(row)
                continue
            previous = rows[-1] if rows else None
            if isinstance(previous, EmptyDays):
                rows[-1] = EmptyDays(first=row.day, last=previous.last)
            else:
                rows.append(EmptyDays(first=row.day, last=row.last))
        return rows

    @property
    def weekly(self) -> bool:
        return any(row.through is not None for row in self.days)


def periods(days: list[date], *, weekly: bool) -> list[list[date]]:
    """`days` (consecutive, in order) one per period, or by week (Monday to Sunday, the
    first and last weeks cut to the range)."""
    if not weekly:
        return [[day] for day in days]
    weeks: list[list[date]] = []
    for day in days:
        if weeks and day.weekday() != 0:
            weeks[-1].append(day)
        else:
            weeks.append([day])
    return weeks
