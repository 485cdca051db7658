"""Handing events to the worker. The rows are already durable, so nothing here raises:
a publish that fails is logged, and the sweep re-enqueues the events later."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence

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


def enqueue_event(event_id: int, *, countdown: float | None = None) -> bool:
    """Publish `process_webhook_event(event_id)`; False (logged) when the broker is down.

    No publish retries: the sweep re-enqueues every event left pending, so a lost publish
    only delays the work.
    """
    from apps.webhooks.tasks import process_webhook_event

    try:
        if countdown is None:
            process_webhook_event.apply_async((event_id,), retry=False)
        else:
            process_webhook_event.apply_async((event_id,), countdown=countdown, retry=False)
    except Exception:  # kombu/redis/socket errors alike: the sweep will pick it up
        _broker_unavailable(f"webhook event {event_id} not enqueued")
        return False
    return True


def enqueue_events(event_ids: Sequence[int]) -> int:
    """Publish one `process_webhook_event` per id in a single Redis pipeline (kombu's
    producer batch). Returns how many were published: all, or 0 when the broker is down.
    """
    from apps.webhooks.tasks import process_webhook_event

    try:
        with process_webhook_event.app.producer_or_acquire() as producer:
            # Older kombu has no batch(): the same publishes, one round trip each.
            batch = getattr(producer, "batch", None)
            with batch() if batch is not None else contextlib.nullcontext():
                for event_id in event_ids:
                    process_webhook_event.apply_async((event_id,), producer=producer, retry=False)
    except Exception:
        _broker_unavailable(f"{len(event_ids)} webhook event(s) not enqueued")
        return 0
    return len(event_ids)


def dispatch_batch(event_ids: Sequence[int]) -> bool:
    """Publish one `dispatch_webhook_events(ids)` message for a batch of events; a worker
    fans it out into their `process_webhook_event` tasks. False when the broker is down."""
    from apps.webhooks.tasks import dispatch_webhook_events

    try:
        dispatch_webhook_events.apply_async((list(event_ids),), retry=False)
    except Exception:
        _broker_unavailable(f"{len(event_ids)} webhook event(s) not dispatched")
        return False
    return True
