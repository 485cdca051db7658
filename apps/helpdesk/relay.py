"""Sync rows of a chat turn reach the broker from a relay thread, not the request.

The rows are committed before their ids are handed over, and `sweep_helpdesk_sync`
re-enqueues any row whose id was lost with the process or the broker.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.relay import IdRelay
from apps.helpdesk.tasks import enqueue_sync


def _publish(row_ids: list[int], _key: str) -> None:
    for row_id in row_ids:
        enqueue_sync(row_id)


relay = IdRelay("helpdesk-sync-relay", _publish)


def hand_off_sync(row_id: int) -> None:
    """Queue a committed sync row for sending. In the inline-tasks demo mode (no broker)
    it is sent right here, as every other task is there."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        enqueue_sync(row_id)
    else:
        relay.submit(row_id)
