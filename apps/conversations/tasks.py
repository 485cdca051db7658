"""The outbox's tasks: send one row, and the beat sweep that re-enqueues what is due."""

from __future__ import annotations

from celery import shared_task

from apps.conversations import outbox


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=45, time_limit=60)
def send_outbound_message(outbound_id: int) -> str:
    return outbox.send_outbound(outbound_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60)
def sweep_outbox() -> int:
    ids = outbox.due_ids()
    for outbound_id in ids:
        send_outbound_message.delay(outbound_id)
    return len(ids)
