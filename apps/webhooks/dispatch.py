"""Handing events to the worker. The rows are already durable, so nothing here raises:
a publish that fails is logged, and the sweep re-enqueues the events later."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from apps.webhooks.topics import MESSAGING_TOPICS

logger = logging.getLogger(__name__)

# During a broker outage every publish fails; one warning (with its traceback) per
# interval says so without flooding the log.
WARN_INTERVAL_SECONDS = 30.0
_warned = {"at": float("-inf"), "suppressed": 0}
_warn_lock = threading.Lock()


def _broker_unavailable(what: str) -> None:
    with _warn_lock:
        now = time.monotonic()
        if now - _warned["at"] < WARN_INTERVAL_SECONDS:
            _warned["suppressed"] += 1
            return
        suppressed, _warned["suppressed"], _warned["at"] = _warned["suppressed"], 0, now
    logger.warning(
        "%s (broker unavailable); the sweep will retry. %s similar warning(s) suppressed",
        what,
        suppressed,
        exc_info=True,
    )


def queue_for(topic: str) -> str:
    """The queue an event's tasks go to. A customer's text or email waits on the chat
    queue, beside the agent's replies, never behind a backlog of store webhooks (a Black
    Friday flood of orders/updated) on the default queue."""
    if topic in MESSAGING_TOPICS:
        return str(settings.CELERY_CHAT_QUEUE)
    return str(settings.CELERY_TASK_DEFAULT_QUEUE)


def enqueue_event(
    event_id: int, *, countdown: float | None = None, queue: str | None = None
) -> bool:
    """Publish `process_webhook_event(event_id)` (on `queue`, else the default one);
    False (logged) when the broker is down.

    No publish retries: the sweep re-enqueues every event left pending, so a lost publish
    only delays the work.
    """
    from apps.webhooks.tasks import process_webhook_event

    options: dict[str, Any] = {"retry": False}
    if countdown is not None:
        options["countdown"] = countdown
    if queue is not None:
        options["queue"] = queue
    try:
        process_webhook_event.apply_async((event_id,), **options)
    except Exception:  # kombu/redis/socket errors alike: the sweep will pick it up
        _broker_unavailable(f"webhook event {event_id} not enqueued")
        return False
    return True


def enqueue_events(event_ids: Sequence[int], *, queue: str | None = None) -> int:
    """Publish one `process_webhook_event` per id in a single Redis pipeline (kombu's
    producer batch). Returns how many were published: all, or 0 when the broker is down.
    """
    from apps.webhooks.tasks import process_webhook_event

    where: dict[str, Any] = {} if queue is None else {"queue": queue}
    try:
        with process_webhook_event.app.producer_or_acquire() as producer:
            # Older kombu has no batch(): the same publishes, one round trip each.
            batch = getattr(producer, "batch", None)
            with batch() if batch is not None else contextlib.nullcontext():
                for event_id in event_ids:
                    process_webhook_event.apply_async(
                        (event_id,), producer=producer, retry=False, **where
                    )
    except Exception:
        _broker_unavailable(f"{len(event_ids)} webhook event(s) not enqueued")
        return 0
    return len(event_ids)


def dispatch_batch(event_ids: Sequence[int], *, queue: str | None = None) -> bool:
    """Publish one `dispatch_webhook_events(ids)` message for a batch of events on `queue`
    (else the default one); a worker of that queue fans it out into their
    `process_webhook_event` tasks on the same queue. False when the broker is down."""
    from apps.webhooks.tasks import dispatch_webhook_events

    # The queue goes along as an argument too: the fan-out publishes on the same queue.
    where: dict[str, Any] = {} if queue is None else {"queue": queue}
    try:
        dispatch_webhook_events.apply_async((list(event_ids),), dict(where), retry=False, **where)
    except Exception:
        _broker_unavailable(f"{len(event_ids)} webhook event(s) not dispatched")
        return False
    return True
