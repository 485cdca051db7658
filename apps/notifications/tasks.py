"""The notifications sweep (beat): team digests that are due, customer notices not sent yet."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.notifications.customer import notify_action_done, pending_action_ids
from apps.notifications.digest import digest_send, stores_with_events


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60)
def sweep_notifications() -> dict[str, int]:
    """Queue what is due; each item is idempotent, so an overlapping or repeated sweep sends
    nothing twice (the outbox keys and the digest watermark hold it)."""
    now = timezone.now()
    digests = sum(
        digest_send(store_id=store_id, now=now) is not None for store_id in stores_with_events(now)
    )
    notices = sum(notify_action_done(pk) is not None for pk in pending_action_ids(now))
    return {"digests": digests, "notices": notices}


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=20, time_limit=30)
def send_transcript(conversation_id: int) -> bool:
    from apps.conversations.models import Conversation
    from apps.notifications.customer import transcript_send

    conversation = (
        Conversation.objects.select_related("store", "order_in_focus")
        .filter(pk=conversation_id)
        .first()
    )
    return conversation is not None and transcript_send(conversation) is not None
