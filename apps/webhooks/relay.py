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

from django.conf import settings

from apps.core.relay import IdRelay
from apps.webhooks.dispatch import dispatch_batch, enqueue_event, queue_for

MAX_BATCH = 500
# How long the relay waits for more ids after the first one: it delays when the worker
# starts (never the HTTP answer), and under load turns many publishes into one.
LINGER_SECONDS = 0.05


def _publish(event_ids: list[int], queue: str) -> None:
    dispatch_batch(event_ids, queue=queue or None)


class EventRelay(IdRelay):
    """The webhook inbox's relay: one `dispatch_webhook_events` message per batch and
    queue (the queue each id was submitted for). A graceful shutdown (deploy, worker
    recycling) publishes what is still queued; only a killed process leaves ids for the
    sweep."""

    def __init__(self) -> None:
        super().__init__("webhook-relay", _publish, linger=LINGER_SECONDS, max_batch=MAX_BATCH)

    def submit(self, row_id: int, key: str | None = None) -> None:
        """Publish `row_id` (an event id) soon, on queue `key` (the default queue when
        None or empty)."""
        super().submit(row_id, key or "")


relay = EventRelay()


def hand_off(event_id: int, *, topic: str = "") -> None:
    """Queue a committed event for publishing, on the queue its topic belongs to (a
    customer's message on the chat queue; see dispatch.queue_for). In the inline-tasks demo
    mode (no broker) the task runs right here instead, as every other task does there."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        enqueue_event(event_id)
    else:
        relay.submit(event_id, queue_for(topic))
