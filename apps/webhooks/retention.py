"""How long the inbox keeps events (settings RETENTION_WEBHOOK_*_DAYS, README "Retention").

Processed events go after RETENTION_WEBHOOK_PROCESSED_DAYS, ignored ones (unknown shops,
stale updates) sooner, failed ones after RETENTION_WEBHOOK_FAILED_DAYS (replayable until
then). Pending and processing events are never purged. No row goes before three days:
it is the dedupe record of its event while Shopify may still redeliver it (48 hours).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.retention import Purge, purge_in_batches
from apps.webhooks.models import WebhookEvent, WebhookStatus


def _days(value: int) -> timedelta:
    return timedelta(days=max(value, settings.RETENTION_MIN_WEBHOOK_DAYS))


def expired_events() -> QuerySet[WebhookEvent]:
    """Events past their status's retention, oldest first (the received_at index)."""
    now = timezone.now()
    expired = (
        Q(
            status=WebhookStatus.PROCESSED,
            received_at__lt=now - _days(settings.RETENTION_WEBHOOK_PROCESSED_DAYS),
        )
        | Q(
            status=WebhookStatus.IGNORED,
            received_at__lt=now - _days(settings.RETENTION_WEBHOOK_IGNORED_DAYS),
        )
        | Q(
            status=WebhookStatus.FAILED,
            received_at__lt=now - _days(settings.RETENTION_WEBHOOK_FAILED_DAYS),
        )
    )
    oldest = now - _days(
        min(
            settings.RETENTION_WEBHOOK_PROCESSED_DAYS,
            settings.RETENTION_WEBHOOK_IGNORED_DAYS,
            settings.RETENTION_WEBHOOK_FAILED_DAYS,
        )
    )
    return WebhookEvent.objects.filter(expired, received_at__lt=oldest).order_by("received_at")


def webhook_events_purge(*, batch: int | None = None, budget_seconds: float | None = None) -> Purge:
    return purge_in_batches(
        expired_events,
        batch=batch or settings.RETENTION_BATCH,
        budget_seconds=settings.RETENTION_RUN_SECONDS if budget_seconds is None else budget_seconds,
    )
