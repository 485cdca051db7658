#!/usr/bin/env python3
"""Print how many seconds to move the clock for a time-travel run of the test suite.

`year`: 366 days ahead, so any fixture date written as a literal near today falls more than a
year behind the clock and every relative window ("9 days ago", a 30-day return window, a
90-day backfill) has long passed it.

`dst`: 23:57 UTC on the first day at least 300 days ahead on which New York's clocks change
(the run is also started with TZ=America/New_York): far enough ahead to catch what `year`
catches, on a day with 23 or 25 hours in a store's time zone, and about to cross midnight UTC
while the suite runs.

Used by `make test-clock` (and CI) with libfaketime: `faketime -f "+<seconds>s" make test`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


def _offset_changes(day: datetime) -> bool:
    start = day.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    return (
        start.astimezone(NEW_YORK).utcoffset()
        != (start + timedelta(days=1)).astimezone(NEW_YORK).utcoffset()
    )


def target(kind: str, now: datetime) -> datetime:
    if kind == "year":
        return now + timedelta(days=366)
    if kind == "dst":
        day = now + timedelta(days=300)
        while not _offset_changes(day):
            day += timedelta(days=1)
        return day.replace(hour=23, minute=57, second=0, microsecond=0)
    raise SystemExit(f"unknown clock shift {kind!r}: use year or dst")


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "year"
    now = datetime.now(UTC)
    moment = target(kind, now)
    print(f"clock shift {kind}: the suite runs from {moment.isoformat()}", file=sys.stderr)
    print(int((moment - now).total_seconds()))


if __name__ == "__main__":
    main()
