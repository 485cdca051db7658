"""Beat and worker tasks of conversations: the outbox (send one row, sweep what is due) and
retention (apps.conversations.retention)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from celery import shared_task

from apps.conversations import email_reply, outbox, sms
from apps.conversations.retention import conversations_purge

# A reply whose outbox row is still missing this long after it was saved lost its hook.
LOST_HOOK = timedelta(minutes=2)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=45, time_limit=60)
def send_outbound_message(outbound_id: int) -> str:
    return outbox.send_outbound(outbound_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60)
def sweep_outbox() -> int:
    for reply_id in sms.unqueued_replies(older_than=LOST_HOOK, within=timedelta(days=1)):
        sms.queue_sms_reply(reply_id)
    for reply_id in email_reply.unqueued_replies(older_than=LOST_HOOK, within=timedelta(days=1)):
        email_reply.queue_email_reply(reply_id)
    ids = outbox.due_ids()
    for outbound_id in ids:
        send_outbound_message.delay(outbound_id)
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120, ignore_result=True)
def purge_conversations() -> dict[str, object]:
    """Erase conversations past their store's retention, in short batches."""
    return asdict(conversations_purge())
