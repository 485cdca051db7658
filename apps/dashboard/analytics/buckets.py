"""Durations kept as fixed-bucket histograms, so days merge exactly (no averages of averages).

A histogram is {bucket index: count}. Buckets are one second wide under two minutes (the
first-reply times a merchant compares), then widen: 5 s to 10 min, 30 s to 1 h, 15 min to
a day, and one bucket for a day or more. Summing two days' histograms gives the histogram
of both, so a year's median comes out of 365 daily rows as it would out of the raw rows.

A median is read from a histogram by rank: the value of a bucket is its lower bound, and
for an even count the two middle values are averaged, as a median of the raw values would
be. Below two minutes (whole seconds) that is the exact median.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

# (upper bound in seconds, bucket width in seconds), in order; past the last: OVERFLOW.
_TIERS = ((120, 1), (600, 5), (3600, 30), (86400, 900))


def _tier_starts() -> list[tuple[int, int, int, int]]:
    """(first index, lower bound, upper bound, width) per tier."""
    starts, index, lower = [], 0, 0
    for upper, width in _TIERS:
        starts.append((index, lower, upper, width))
        index += (upper - lower) // width
        lower = upper
    return starts


TIERS = _tier_starts()
OVERFLOW = TIERS[-1][0] + (TIERS[-1][2] - TIERS[-1][1]) // TIERS[-1][3]
OVERFLOW_SECONDS = TIERS[-1][2]

Histogram = dict[int, int]


def bucket_of(seconds: float) -> int:
    """The bucket of a non-negative duration in seconds."""
    for first, lower, upper, width in TIERS:
        if seconds < upper:
            return first + int((seconds - lower) // width)
    return OVERFLOW


def lower_bound(index: int) -> int:
    """The smallest duration (s) in bucket `index`."""
    for first, lower, upper, width in TIERS:
        if index < first + (upper - lower) // width:
            return lower + (index - first) * width
    return OVERFLOW_SECONDS


def merge(histograms: Iterable[Mapping[int, int]]) -> Histogram:
    total: Histogram = {}
    for histogram in histograms:
        add_into(total, histogram)
    return total


def add_into(total: Histogram, histogram: Mapping[int, int]) -> None:
    for index, count in histogram.items():
        total[index] = total.get(index, 0) + count


def add_json_into(total: Histogram, value: Mapping[str, int] | None) -> None:
    """add_into() of a histogram as stored in JSON (string keys)."""
    for index, count in (value or {}).items():
        key = int(index)
        total[key] = total.get(key, 0) + count


def from_json(value: Mapping[str, int] | None) -> Histogram:
    """JSON objects have string keys."""
    return {int(index): int(count) for index, count in (value or {}).items() if count}


def to_json(histogram: Mapping[int, int]) -> dict[str, int]:
    return {str(index): count for index, count in sorted(histogram.items()) if count}


def median(histogram: Mapping[int, int]) -> timedelta | None:
    """The median duration the histogram holds (None when empty)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    # 1-based ranks of the middle value(s).
    ranks = (total + 1) // 2, total // 2 + 1
    values: list[int] = []
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        while len(values) < 2 and seen >= ranks[len(values)]:
            values.append(lower_bound(index))
    return timedelta(seconds=(values[0] + values[1]) / 2)
