"""Keeping the inbox moving: the periodic sweep, and replays on request.

Nothing is lost when Redis or a worker was down: the row is in PostgreSQL, and the
sweep re-enqueues whatever is still waiting. Every re-enqueue is safe to duplicate,
because a task only works an event it can claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.webhooks import backlog
from apps.webhooks.dispatch import enqueue_events, queue_for
from apps.webhooks.models import WebhookEvent, WebhookStatus

SWEEP_BATCH = 500


# Past the event task's hard time limit, a claim is dead: the attempt was killed or its
# worker died (or, after a database outage, it failed while recording its failure).
PROCESSING_FENCE_MARGIN_SECONDS = 10


def processing_stale_after() -> timedelta:
    """A claim older than this belongs to an attempt that can no longer be running: the
    event task's hard time limit (WEBHOOK_TASK_TIME_LIMIT) plus a margin for clocks."""
    return timedelta(seconds=settings.WEBHOOK_TASK_TIME_LIMIT + PROCESSING_FENCE_MARGIN_SECONDS)


def _passed_over(now: datetime, grace: timedelta) -> Q:
    """Pending events whose task is gone rather than still queued (see backlog.py): sent
    over `grace` ago, and, while a backlog waits, sent over `grace` before the queue's
    head."""
    never_sent = Q(dispatched_at__isnull=True)
    queued = backlog.queued_messages(settings.CELERY_TASK_DEFAULT_QUEUE)
    if queued == 0:
        return never_sent | Q(dispatched_at__lt=now - grace)
    head = backlog.watermark()
    if queued is None or head is None:
        # A backlog nobody has started on (workers down), or a broker we cannot read:
        # whatever was sent is still there; a publish would fail anyway.
        return never_sent
    behind_head = datetime.fromtimestamp(head, tz=UTC) - grace
    return never_sent | Q(dispatched_at__lt=min(now - grace, behind_head))


@dataclass(frozen=True)
class SweepReport:
    reclaimed: int = 0  # stuck in processing, back to pending
    exhausted: int = 0  # stuck in processing with no attempts left: failed
    pending: int = 0  # pending and not dispatched within the grace period
    retries: int = 0  # failed, due, and their retry never ran


def _lock_ids(queryset: QuerySet[WebhookEvent], limit: int) -> list[int]:
    # SKIP LOCKED: two sweeps (or a sweep and a replay) never fight over the same rows.
    rows = queryset.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)
    return list(rows[:limit])


def _enqueue_after_commit(ids: list[int]) -> None:
    """Each event back onto its topic's queue (a customer's message on the chat queue)."""
    if not ids:
        return
    by_queue: dict[str, list[int]] = {}
    for pk, topic in WebhookEvent.objects.filter(pk__in=ids).values_list("pk", "topic"):
        by_queue.setdefault(queue_for(topic), []).append(pk)
    for queue, batch in by_queue.items():
        transaction.on_commit(partial(enqueue_events, sorted(batch), queue=queue))


def stale_processing(now: datetime) -> QuerySet[WebhookEvent]:
    """Events claimed by an attempt that can no longer be running."""
    return WebhookEvent.objects.filter(
        status=WebhookStatus.PROCESSING, claimed_at__lt=now - processing_stale_after()
    )


def pending_passed_over(now: datetime) -> QuerySet[WebhookEvent]:
    """Pending events whose task is gone (_passed_over)."""
    grace = timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS)
    return WebhookEvent.objects.filter(_passed_over(now, grace), status=WebhookStatus.PENDING)


def retries_due(now: datetime) -> QuerySet[WebhookEvent]:
    """Failed events whose retry is due and was not sent within the grace period."""
    grace_ago = now - timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS)
    not_recently_sent = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=grace_ago)
    return WebhookEvent.objects.filter(
        not_recently_sent, status=WebhookStatus.FAILED, next_attempt_at__lt=grace_ago
    )


def webhook_events_sweep(*, limit: int = SWEEP_BATCH) -> SweepReport:
    """Re-enqueue what was left behind; at most `limit` rows of each kind per run, so a
    backlog is fed to the workers gradually instead of doubling the queue."""
    now = timezone.now()
    events = WebhookEvent.objects
    with transaction.atomic():
        stuck = _lock_ids(stale_processing(now), limit)
        exhausted = events.filter(pk__in=stuck, attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS).update(
            status=WebhookStatus.FAILED,
            last_error="worker lost while processing; no attempts left",
            next_attempt_at=None,
        )
        reclaimed = list(
            events.filter(pk__in=stuck, status=WebhookStatus.PROCESSING).values_list(
                "pk", flat=True
            )
        )
        events.filter(pk__in=reclaimed).update(
            status=WebhookStatus.PENDING, note="reclaimed from a lost worker", dispatched_at=now
        )
        pending = _lock_ids(pending_passed_over(now), limit)
        retries = _lock_ids(retries_due(now), limit)
        events.filter(pk__in=pending + retries).update(dispatched_at=now)
        _enqueue_after_commit(reclaimed + pending + retries)
    return SweepReport(len(reclaimed), exhausted, len(pending), len(retries))


def replay_queryset(
    *,
    statuses: list[str],
    store_domain: str = "",
    topic: str = "",
    since: datetime | None = None,
) -> QuerySet[WebhookEvent]:
    """The events a replay would touch (never those being processed right now)."""
    events = WebhookEvent.objects.filter(status__in=statuses).exclude(
        status=WebhookStatus.PROCESSING
    )
    if store_domain:
        events = events.filter(shop_domain=store_domain)
    if topic:
        events = events.filter(topic=topic)
    if since is not None:
        events = events.filter(received_at__gte=since)
    return events


def webhook_events_replay(events: QuerySet[WebhookEvent]) -> int:
    """Reset the events to pending with a fresh attempt budget and enqueue them after
    commit. Safe to run twice (handlers are idempotent). Returns how many were reset."""
    now = timezone.now()
    with transaction.atomic():
        ids = _lock_ids(
            WebhookEvent.objects.filter(pk__in=events.values("pk")).exclude(
                status=WebhookStatus.PROCESSING
            ),
            limit=10**9,
        )
        WebhookEvent.objects.filter(pk__in=ids).update(
            status=WebhookStatus.PENDING,
            attempts=0,
            last_error="",
            note="replayed",
            claimed_at=None,
            next_attempt_at=None,
            processed_at=None,
            dispatched_at=now,
        )
        _enqueue_after_commit(ids)
    return len(ids)
