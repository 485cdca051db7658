"""Webhook retention: each status kept its configured days (never under the 3-day dedupe
window), deleted in bounded batches, open events never touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.retention import webhook_events_purge
from apps.webhooks.tasks import purge_webhook_events
from tests.webhooks.factories import WebhookEventFactory

pytestmark = pytest.mark.django_db


def _event(status: str, days: float) -> WebhookEvent:
    return WebhookEventFactory(status=status, received_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def retention(settings):
    settings.RETENTION_WEBHOOK_PROCESSED_DAYS = 14
    settings.RETENTION_WEBHOOK_IGNORED_DAYS = 3
    settings.RETENTION_WEBHOOK_FAILED_DAYS = 60


def test_each_status_is_kept_its_days(retention):
    keep = [
        _event(WebhookStatus.PROCESSED, 13),
        _event(WebhookStatus.IGNORED, 2.9),
        _event(WebhookStatus.FAILED, 59),
        _event(WebhookStatus.PENDING, 400),
        _event(WebhookStatus.PROCESSING, 400),
    ]
    gone = [
        _event(WebhookStatus.PROCESSED, 15),
        _event(WebhookStatus.IGNORED, 3.1),
        _event(WebhookStatus.FAILED, 61),
    ]

    report = purge_webhook_events()

    assert report["deleted"] == 3
    assert report["finished"] is True
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {e.pk for e in keep}
    assert not WebhookEvent.objects.filter(pk__in=[e.pk for e in gone]).exists()


def test_no_event_goes_inside_the_redelivery_window(settings):
    settings.RETENTION_WEBHOOK_PROCESSED_DAYS = 0
    settings.RETENTION_WEBHOOK_IGNORED_DAYS = 1
    recent = [_event(WebhookStatus.PROCESSED, 2.5), _event(WebhookStatus.IGNORED, 2.5)]

    webhook_events_purge()

    assert WebhookEvent.objects.count() == len(recent)


def test_a_backlog_is_deleted_in_batches(retention):
    for _ in range(7):
        _event(WebhookStatus.PROCESSED, 30)

    report = webhook_events_purge(batch=3)

    assert (report.deleted, report.batches, report.finished) == (7, 3, True)
    assert WebhookEvent.objects.count() == 0


def test_a_run_stops_when_its_time_is_spent(retention):
    for _ in range(4):
        _event(WebhookStatus.PROCESSED, 30)

    report = webhook_events_purge(batch=2, budget_seconds=0)

    assert (report.deleted, report.finished) == (0, False)
    assert WebhookEvent.objects.count() == 4


def test_batches_are_spaced_by_the_pause(retention, settings, monkeypatch):
    # Back to back, the deletes starve the requests writing the same table.
    settings.RETENTION_PAUSE_SECONDS = 0.25
    slept: list[float] = []
    monkeypatch.setattr("apps.core.retention.time.sleep", slept.append)
    for _ in range(5):
        _event(WebhookStatus.PROCESSED, 30)

    report = webhook_events_purge(batch=2)

    assert (report.deleted, report.batches, report.finished) == (5, 3, True)
    assert slept == [0.25, 0.25]  # between batches, none after the last
