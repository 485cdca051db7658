"""Refresh a past day's rollup when one of its conversations or actions is saved.

Today's figures are live, so only changes to conversations that started before today (in
the store's time zone) enqueue a refresh of their day, once the transaction commits.
Updates made with `.update()` send no signal; the hourly sweep (tasks.py) finds those.
A store whose time zone changed has every retained day cut again in the new zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from redis.exceptions import RedisError

from apps.conversations.models import AgentAction, Conversation
from apps.core.redis import get_redis
from apps.stores.models import Store
from apps.stores.time_zones import time_zone_changed

DEBOUNCE = 5  # seconds


def _enqueue_if_past(store_id: int, started: datetime | None) -> None:
    if started is None:
        return
    zone = Store.objects.filter(pk=store_id).values_list("timezone", flat=True).first()
    if zone is None:
        return
    store = Store(pk=store_id, timezone=zone)
    day = timezone.localtime(started, store.zone).date()
    if day >= timezone.localtime(timezone.now(), store.zone).date():
        return

    def enqueue() -> None:
        from apps.dashboard.analytics.tasks import rollup_refresh_days

        if _claimed(store_id, day):
            rollup_refresh_days.apply_async(
                (store_id, day.isoformat(), day.isoformat()), countdown=DEBOUNCE
            )

    # robust: a broker outage must not fail the request that saved the row (the hourly
    # sweep finds the day anyway); the error is logged.
    transaction.on_commit(enqueue, robust=True)


def _claimed(store_id: int, day: date) -> bool:
    """A burst of saves on one past day (a bulk edit) enqueues one refresh, not hundreds:
    the first save claims the (store, day) for DEBOUNCE seconds and its refresh runs when
    the claim ends, so it sees every save committed meanwhile (those enqueue nothing)."""
    client = get_redis()
    if client is None:
        return True
    try:
        key = f"analytics:rollup-refresh:{store_id}:{day}"
        return bool(client.set(key, 1, nx=True, ex=DEBOUNCE))
    except RedisError:
        return True


@receiver(post_save, sender=Conversation, dispatch_uid="analytics-rollup-conversation")
def conversation_saved(sender: Any, instance: Conversation, created: bool, **kwargs: Any) -> None:
    if not created:
        _enqueue_if_past(instance.store_id, instance.created_at)


@receiver(post_save, sender=AgentAction, dispatch_uid="analytics-rollup-action")
def action_saved(sender: Any, instance: AgentAction, **kwargs: Any) -> None:
    # The agent usually holds the conversation already: no query for its start then.
    cached = instance._state.fields_cache.get("conversation")
    if cached is not None:
        started = cached.created_at
    else:
        started = (
            Conversation.objects.filter(pk=instance.conversation_id)
            .values_list("created_at", flat=True)
            .first()
        )
    _enqueue_if_past(instance.store_id, started)


@receiver(time_zone_changed, dispatch_uid="analytics-rollup-time-zone")
def time_zone_moved(sender: Any, store_id: int, **kwargs: Any) -> None:
    """Days cut in the old zone are no longer read; cut every retained day again."""
    from apps.dashboard.analytics.tasks import rollups_rebuild

    rollups_rebuild.delay(store_id)
