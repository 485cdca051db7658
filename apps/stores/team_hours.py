"""When the merchant's people answer, in words a customer handed to them can use."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def team_days(value: str) -> list[int]:
    """ISO weekdays (Monday = 1) from the stored digits; nonsense is dropped."""
    return sorted({int(c) for c in value if c in "1234567"})


def next_opening(
    *, days: str, opens: time, closes: time, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """`now` (in `zone`) when the team is in, else when it next opens; None when the
    merchant set no working day or an empty day (opens at or after closes)."""
    weekdays = team_days(days)
    if not weekdays or opens >= closes:
        return None
    local = now.astimezone(zone)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        if day.isoweekday() not in weekdays:
            continue
        start = datetime.combine(day, opens, tzinfo=zone)
        end = datetime.combine(day, closes, tzinfo=zone)
        if local < end:
            return max(start, local)
    return None


def _span(weekdays: list[int]) -> str:
    if len(weekdays) > 2 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return f"{SHORT[weekdays[0] - 1]}–{SHORT[weekdays[-1] - 1]}"
    return ", ".join(SHORT[d - 1] for d in weekdays)


def availability_sentence(
    *, days: str, opens: time, closes: time, zone: ZoneInfo, now: datetime
) -> str:
    """ "Our team is in now (…)" or "Our team is back Tuesday at 9:00 (…)"; "" when the
    merchant set no hours."""
    opening = next_opening(days=days, opens=opens, closes=closes, zone=zone, now=now)
    if opening is None:
        return ""
    hours = f"{_span(team_days(days))} {opens:%H:%M}–{closes:%H:%M}, {zone.key} time"
    local = now.astimezone(zone)
    if opening <= local:
        return f"Our team is in now ({hours})."
    if opening.date() == local.date():
        when = f"today at {opening:%H:%M}"
    elif opening.date() == local.date() + timedelta(days=1):
        when = f"tomorrow at {opening:%H:%M}"
    else:
        when = f"{DAY_NAMES[opening.weekday()]} at {opening:%H:%M}"
    return f"Our team is back {when} ({hours})."
