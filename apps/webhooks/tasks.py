"""Celery tasks of the inbox. Each takes ids only and is safe to run twice."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.conf import settings

from apps.webhooks.dispatch import enqueue_event, enqueue_events, queue_for
from apps.webhooks.maintenance import webhook_events_sweep
from apps.webhooks.processing import webhook_event_process
from apps.webhooks.retention import webhook_events_purge


@shared_task(
    acks_late=True,
    soft_time_limit=settings.WEBHOOK_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.WEBHOOK_TASK_TIME_LIMIT,
)
def process_webhook_event(event_id: int) -> str:
    """Run the handler of one stored event (see apps.webhooks.processing).

    A transient failure schedules the next attempt with backoff through the same
    broker-tolerant dispatch the web request uses; if even that publish is lost, the
    sweep finds the event failed and overdue.
    """
    outcome = webhook_event_process(event_id)
    if outcome.retry_in is not None:
        enqueue_event(event_id, countdown=outcome.retry_in, queue=queue_for(outcome.topic))
    return outcome.status


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def dispatch_webhook_events(event_ids: list[int], queue: str | None = None) -> int:
    """Fan a web process's batch out into one `process_webhook_event` task per event, on
    the queue the relay chose for the batch (apps.webhooks.dispatch.queue_for).

    Safe to run twice: a duplicate task finds its event already claimed or done. Ids it
    cannot publish (broker trouble) stay pending in the database for the sweep.
    """
    return enqueue_events(event_ids, queue=queue)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_pending_events() -> dict[str, int]:
    """Beat, every WEBHOOK_SWEEP_SECONDS: re-enqueue pending, overdue and stuck events."""
    return asdict(webhook_events_sweep())


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120)
def purge_webhook_events() -> dict[str, object]:
    """Beat: delete events past their retention, in short batches (apps.webhooks.retention)."""
    return asdict(webhook_events_purge())
