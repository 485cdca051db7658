"""The figures of a range's past days, cached under a fingerprint of the rollups they came from.

Past days only change when their rollup is rewritten (a late change to a conversation or
action, the nightly heal, a time-zone change recomputing every day), and every rewrite
stamps the row's `computed_at` and a new `xmin` (PostgreSQL's writing transaction). The
key holds the store's zone and a digest of every (day, computed_at, xmin) of the range,
so a rewritten, added or removed rollup makes a new key: the cache is never read stale,
and old keys simply expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models.expressions import RawSQL

from apps.dashboard.analytics.models import DailyRollup
from apps.dashboard.analytics.results import DateRange
from apps.stores.models import Store

T = TypeVar("T")

# Long enough to serve a merchant's session of views, short enough that keys of rewritten
# rollups do not linger.
TTL_SECONDS = 6 * 3600
# Bumped when what is cached changes shape, so an old pickle is never read by new code.
_FORMAT = 2


def rollups_key(store: Store, span: DateRange) -> str | None:
    """The cache key of `span`'s rollups as they are now, or None when a day has none (it
    is then computed live and nothing is cached). Only on PostgreSQL, whose `xmin` tells a
    rewritten row apart; elsewhere (the SQLite demo, a small store) it is computed live."""
    if connection.vendor != "postgresql":
        return None
    stamps = list(
        DailyRollup.objects.filter(
            store=store, day__gte=span.start, day__lte=span.end, timezone=store.timezone
        )
        # xmin: the writing transaction, new on every rewrite even at the same computed_at.
        .annotate(written_by=RawSQL("xmin::text", ()))
        .order_by("day")
        .values_list("day", "computed_at", "written_by")
    )
    if len(stamps) != len(span.days):
        return None
    digest = hashlib.sha256(
        ";".join(f"{day.isoformat()}={at.isoformat()}/{xid}" for day, at, xid in stamps).encode()
    ).hexdigest()
    return f"analytics:past:{_FORMAT}:{store.pk}:{store.timezone}:{span.start}:{span.end}:{digest}"


def cached(key: str, build: Callable[[], T]) -> T:
    value: T | None = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TTL_SECONDS)
    return value
