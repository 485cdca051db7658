"""The store's time zone, which decides where the merchant's day begins and ends.

Two sources: the platform's own setting (read at install and whenever the platform says
the shop changed) and the merchant's choice in the dashboard. The platform's report is
followed when it differs from what it said last time (the merchant moved their shop to
another zone); the same report again, which comes with every unrelated shop edit, leaves
a zone the merchant chose here alone.

`time_zone_changed` is sent once the change has committed, so the layers above can cut
their per-day figures (the analytics rollups) again in the new zone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from apps.stores.models import Store

logger = logging.getLogger(__name__)

# Sent with `store_id` after a store's time zone changed (on commit).
time_zone_changed = Signal()

_MAX_NAME = 64


def zone_name(value: object) -> str | None:
    """`value` as a canonical IANA zone name this machine knows, or None.

    Only names of the IANA database count: a file path or a POSIX TZ string that
    ZoneInfo would also accept is refused."""
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_NAME:
        return None
    if value not in known_zones():
        return None
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return value


@cache
def known_zones() -> frozenset[str]:
    """The IANA zone names of this machine's tz database (read from disk once)."""
    return frozenset(available_timezones())


def store_time_zone_choose(store: Store, name: str) -> bool:
    """The merchant picked `name` (an IANA zone). Returns whether the zone changed.

    Raises ValueError for a name that is not a known IANA zone."""
    chosen = zone_name(name)
    if chosen is None:
        raise ValueError(f"not an IANA time zone: {name!r}")
    with transaction.atomic():
        row = Store.objects.select_for_update().only("pk", "timezone").get(pk=store.pk)
        if row.timezone == chosen:
            return False
        Store.objects.filter(pk=store.pk).update(timezone=chosen, updated_at=timezone.now())
        _announce(store.pk)
    store.timezone = chosen
    logger.info("store time zone chosen store_id=%s zone=%s", store.pk, chosen)
    return True


def store_time_zone_reported(store: Store, value: object, *, as_of: datetime | None = None) -> bool:
    """The platform says the shop is in `value` (as of `as_of`, when known). Returns
    whether the store's zone changed.

    Idempotent: a report equal to the last one changes nothing (the merchant's own
    choice stays); a value that is not a known IANA zone is ignored (and logged); a
    report older than the last one applied is stale (the platform delivered it late,
    after a newer one) and changes nothing."""
    reported = zone_name(value)
    if reported is None:
        if value not in (None, ""):
            logger.warning("platform time zone not understood store_id=%s", store.pk)
        return False
    with transaction.atomic():
        row = (
            Store.objects.select_for_update()
            .only("pk", "timezone", "platform_timezone", "platform_timezone_at")
            .get(pk=store.pk)
        )
        last = row.platform_timezone_at
        if as_of is not None and last is not None and as_of < last:
            logger.info("stale platform time zone ignored store_id=%s", store.pk)
            return False
        newer = {} if as_of is None else {"platform_timezone_at": as_of}
        if row.platform_timezone == reported:
            # Same zone; still, later reports must be compared with this one.
            if newer:
                Store.objects.filter(pk=store.pk).update(**newer)
            return False
        changed = row.timezone != reported
        Store.objects.filter(pk=store.pk).update(
            timezone=reported, platform_timezone=reported, updated_at=timezone.now(), **newer
        )
        if changed:
            _announce(store.pk)
    store.timezone = store.platform_timezone = reported
    if changed:
        logger.info("store time zone from platform store_id=%s zone=%s", store.pk, reported)
    return changed


def _announce(store_id: int) -> None:
    # robust: a receiver failing (a broker outage) must not undo the change; figures of
    # days not yet cut again in the new zone are computed from the live rows meanwhile.
    transaction.on_commit(
        lambda: time_zone_changed.send(sender=Store, store_id=store_id), robust=True
    )
