"""Keeping the daily rollups true: refresh one store's days, sweep recent changes, heal.

* `rollup_refresh_days(store_id, first, last)`: idempotent recomputation of those days
  (enqueued on commit when a conversation or action of a past day changes, signals.py).
* `rollups_rebuild(store_id)`: every retained day again, a month per task (after the
  store's time zone changed: days cut in the old zone are no longer read).
* `rollups_sweep` (beat, hourly): days of conversations that changed or whose 24-hour
  quiet period ended since the last sweep (updates made with `.update()` send no signal),
  and, for stores where it is ROLLUP_HEAL_HOUR, the nightly heal of yesterday and the day
  before from the source rows, so a missed update heals itself.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.billing.resolution import QUIET_PERIOD
from apps.conversations.models import AgentAction, Conversation
from apps.dashboard.analytics.rollups import local_today, retained_since, rollup_refresh
from apps.stores.models import Store, StoreStatus

logger = logging.getLogger(__name__)
# A sweep looks this far back (beat runs it hourly: overlapping windows miss nothing).
SWEEP_WINDOW = timedelta(hours=2)
# Days one rebuild task recomputes (each well inside rollup_refresh_days' time limit).
REBUILD_CHUNK_DAYS = 31


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def rollup_refresh_days(store_id: int, first: str, last: str) -> None:
    store = Store.objects.select_related("settings").filter(pk=store_id).first()
    if store is None:
        return
    rollup_refresh(store, date.fromisoformat(first), date.fromisoformat(last), now=timezone.now())


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def rollups_rebuild(store_id: int) -> None:
    """Enqueue the recomputation of every day the store's retention still holds, newest
    month first (the range a merchant most likely looks at). Idempotent."""
    store = Store.objects.select_related("settings").filter(pk=store_id).first()
    if store is None:
        return
    now = timezone.now()
    first = retained_since(store, now)
    last = local_today(store, now) - timedelta(days=1)
    while last >= first:
        start = max(first, last - timedelta(days=REBUILD_CHUNK_DAYS - 1))
        rollup_refresh_days.delay(store.pk, start.isoformat(), last.isoformat())
        last = start - timedelta(days=1)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def rollups_sweep() -> None:
    now = timezone.now()
    for store_id, day in sorted(changed_days(now)):
        rollup_refresh_days.delay(store_id, day.isoformat(), day.isoformat())
    for store in stores_due_for_heal(now):
        today = local_today(store, now)
        first, last = today - timedelta(days=2), today - timedelta(days=1)
        rollup_refresh_days.delay(store.pk, first.isoformat(), last.isoformat())


def stores_due_for_heal(now: datetime) -> list[Store]:
    """Installed stores where it is the heal hour of the night (in their time zone)."""
    hour = settings.ROLLUP_HEAL_HOUR
    stores = Store.objects.filter(status=StoreStatus.INSTALLED).only("pk", "timezone")
    return [s for s in stores.iterator() if timezone.localtime(now, s.zone).hour == hour]


def changed_days(now: datetime, window: timedelta = SWEEP_WINDOW) -> set[tuple[int, date]]:
    """(store, day) of past days whose figures may have moved in the last `window`."""
    since = now - window
    quiet_ended = Q(
        last_message_at__gt=since - QUIET_PERIOD, last_message_at__lte=now - QUIET_PERIOD
    )
    conversations = Conversation.objects.filter(
        Q(updated_at__gt=since) | Q(last_message_at__gt=since) | quiet_ended,
        created_at__lt=now - timedelta(hours=1),
    ).values_list("store_id", "created_at")
    actions = AgentAction.objects.filter(updated_at__gt=since).values_list(
        "store_id", "conversation__created_at"
    )
    starts: dict[int, set[datetime]] = defaultdict(set)
    for store_id, created_at in [*conversations.iterator(), *actions.iterator()]:
        starts[store_id].add(created_at)
    days: set[tuple[int, date]] = set()
    for store in Store.objects.filter(pk__in=starts).only("pk", "timezone"):
        today = local_today(store, now)
        for created_at in starts[store.pk]:
            day = timezone.localtime(created_at, store.zone).date()
            if day < today:
                days.add((store.pk, day))
    return days
