"""Fixture dates relative to the clock the test runs on.

A fixture date written as a literal turns into a time-bomb the day a relative window (a
90-day backfill, a 30-day return window, "9 days ago") moves past it. Dates that meet the
clock are built from these helpers instead; literals are fine only where nothing compares
them with now (parsing a payload, formatting a timestamp).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from django.utils import timezone


def ago(**delta: float) -> datetime:
    """`timezone.now()` minus `delta` (days=, hours=, minutes=, seconds=)."""
    return timezone.now() - timedelta(**delta)


def ahead(**delta: float) -> datetime:
    return timezone.now() + timedelta(**delta)


def iso(moment: datetime) -> str:
    """Shopify's GraphQL form: UTC, whole seconds, a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ago(**delta: float) -> str:
    return iso(ago(**delta))


def iso_ahead(**delta: float) -> str:
    return iso(ahead(**delta))


def clock_is_moved() -> bool:
    """True under `make test-clock` (libfaketime preloaded). It moves what the process reads
    of the clock, but a thread's timed wait (pthread_cond_timedwait) still ends by the kernel's
    own monotonic clock, so a test that times such waits cannot run there."""
    return "FAKETIME" in os.environ or "faketime" in os.environ.get("LD_PRELOAD", "")
