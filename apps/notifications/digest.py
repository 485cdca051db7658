"""The team digest: escalations and actions awaiting approval, at most one email per store per
interval (a busy hour sends one digest, not fifty).

The beat sweep asks each store with recent events; a store's digest row is locked while it is
decided, and the watermark (`digest_through`) moves in the same transaction as the outbox row, so
two sweeps at once send one digest and a lost one is sent by the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from apps.conversations import outbox
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, OutboundMessage
from apps.notifications import notices
from apps.notifications.models import NotificationSettings
from apps.notifications.rendering import render
from apps.stores.models import Store
from apps.stores.services import store_settings

LOOKBACK = timedelta(days=1)  # a store's first digest covers at most this much history
_NEEDS_PEOPLE = Q(kind=ActionKind.ESCALATE) | Q(status=ActionStatus.AWAITING_APPROVAL)


def interval() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATIONS_DIGEST_MINUTES)


def stores_with_events(now: datetime) -> list[int]:
    """Stores that had an escalation or an approval request recently (the sweep's worklist)."""
    rows = AgentAction.objects.filter(_NEEDS_PEOPLE, created_at__gte=now - LOOKBACK)
    return list(rows.values_list("store_id", flat=True).distinct()[:1000])


def digest_send(*, store_id: int, now: datetime) -> OutboundMessage | None:
    """Queue the store's digest when one is due and there is news. Idempotent per watermark;
    returns the outbox row, None when nothing was due, new, switched on or addressed."""
    store = Store.objects.get(pk=store_id)
    NotificationSettings.objects.get_or_create(store=store)
    with transaction.atomic():
        prefs = NotificationSettings.objects.select_for_update().get(store=store)
        if prefs.last_digest_at and now - prefs.last_digest_at < interval():
            return None
        since = prefs.digest_through or now - LOOKBACK
        events = AgentAction.objects.filter(
            _NEEDS_PEOPLE, store=store, created_at__gt=since, created_at__lte=now
        ).order_by("id")
        total = events.count()
        if not total:
            return None
        prefs.digest_through = now
        address = store_settings(store).escalation_email
        row = None
        if prefs.team_digest and address:
            notice = notices.team_digest(
                store, list(events[: notices.MAX_DIGEST_LINES]), total=total, address=address
            )
            rendered = render(store, notice)
            row = outbox.queue_email(
                store=store,
                to=address,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                key=f"digest:{now.isoformat()}",
            )
            prefs.last_digest_at = now
        prefs.save(update_fields=["digest_through", "last_digest_at", "updated_at"])
    return row
