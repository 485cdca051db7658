"""From the web request to the broker without paying for a publish per request.

Building and publishing one Celery message costs about as much CPU as the rest of the
webhook request together (measured: ~0.4 ms of ~1.4 ms per request in the web process).
So the request only hands the committed event id to this process's relay thread, which
collects ids for up to 50 ms and publishes one `dispatch_webhook_events(ids)`
message per batch; a worker fans that out into one `process_webhook_event(id)` task per
event, so each event keeps its own retries, time limits and acks.

Nothing is at risk: an id is handed over only after its row committed, and an id lost
with the process (killed before the relay published it) or with the broker is
re-enqueued by the sweep.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from django.conf import settings

from apps.webhooks.dispatch import dispatch_batch, enqueue_event, queue_for

logger = logging.getLogger(__name__)

MAX_BATCH = 500
# How long the relay waits for more ids after the first one: it delays when the worker
# starts (never the HTTP answer), and under load turns many publishes into one.
LINGER_SECONDS = 0.05


class EventRelay:
    """One publishing thread per process, started on first use.

    Submitting is an append under a lock; only the first id of a batch wakes the thread,
    which then waits LINGER_SECONDS for more before it publishes them together, one
    batch per queue (the queue each id was submitted for).
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Fresh state: also what a forked child gets, since it inherits the parent's
        locks and list but not its thread."""
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._pending: dict[str, list[int]] = {}
        self._work = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = None

    def submit(self, event_id: int, queue: str | None = None) -> None:
        """Publish `event_id` soon, on `queue` (the default queue when None)."""
        self._ensure_running()
        with self._lock:
            first = not self._pending
            self._pending.setdefault(queue or "", []).append(event_id)
            if first:
                self._idle.clear()
        if first:
            self._work.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted id went to the broker (or failed to); True if so."""
        return self._idle.wait(timeout)

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-relay", daemon=True)
                self._thread.start()

    def _take(self) -> dict[str, list[int]]:
        self._work.wait()
        time.sleep(LINGER_SECONDS)
        with self._lock:
            batches, self._pending = self._pending, {}
            self._work.clear()
        return batches

    def _run(self) -> None:
        while True:
            for queue, batch in self._take().items():
                for start in range(0, len(batch), MAX_BATCH):
                    self._publish(batch[start : start + MAX_BATCH], queue or None)
            with self._lock:
                if not self._pending:
                    self._idle.set()

    @staticmethod
    def _publish(chunk: list[int], queue: str | None) -> None:
        try:
            dispatch_batch(chunk, queue=queue)
        except Exception:  # never let the relay die; the sweep covers the ids
            logger.exception("webhook relay failed to publish %s event(s)", len(chunk))


relay = EventRelay()
os.register_at_fork(after_in_child=relay.reset)
# A graceful shutdown (deploy, worker recycling) publishes what is still queued; only a
# killed process leaves ids for the sweep.
atexit.register(relay.flush, 5.0)


def hand_off(event_id: int, *, topic: str = "") -> None:
    """Queue a committed event for publishing, on the queue its topic belongs to (a
    customer's message on the chat queue; see dispatch.queue_for). In the inline-tasks demo
    mode (no broker) the task runs right here instead, as every other task does there."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        enqueue_event(event_id)
    else:
        relay.submit(event_id, queue_for(topic))
