"""Fixture dates relative to the clock the test runs on.

A fixture date written as a literal turns into a time-bomb the day a relative window (a
90-day backfill, a 30-day return window, "9 days ago") moves past it. Dates that meet the
clock are built from these helpers instead; literals are fine only where nothing compares
them with now (parsing a payload, formatting a timestamp).
"""

from __future__ import annotations

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
