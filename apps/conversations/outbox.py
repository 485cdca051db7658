"""The outbox: every outbound email and SMS is a row first, then sent exactly once by a task.

`queue_email`/`queue_sms` write the row in the caller's transaction and enqueue its task on
commit. `send_outbound` claims the row with a conditional UPDATE (one worker at a time), and:
- a row `unconfirmed` (an earlier attempt may have reached the provider: a 5xx, a timeout, a
  worker lost mid-call) is looked up at the provider before anything is sent again (SMS). Email
  has no look-up: it is sent again with the same Message-ID, which mail clients collapse;
- a permanent error fails the row; a transient one schedules the next attempt with backoff,
  up to MESSAGING_OUTBOX_MAX_ATTEMPTS (about a day), so an hour-long outage only delays it.
The beat sweep re-enqueues due rows, so a lost task or a broker outage loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, Conversation, Message, OutboundMessage, SmsOptOut
from apps.conversations.models import OutboundStatus as Status
from apps.integrations.messaging import registry
from apps.integrations.messaging.base import (
    AmbiguousError,
    Email,
    MessagingError,
    PermanentError,
    Sent,
    Sms,
    TransientError,
)
from apps.stores.models import Store

logger = logging.getLogger(__name__)

# A `sending` row whose attempt began longer ago than this was lost with its worker.
LOST_ATTEMPT = timedelta(seconds=120)
FIRST_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3 * 3600
# The console provider (demo) has no stored config: what it shows as the sender.
CONSOLE_FROM_NUMBER = "+15550100000"
CONSOLE_FROM_EMAIL = "support@demo.aftersale.test"


def queue_email(
    *,
    store: Store,
    to: str,
    subject: str,
    text: str,
    key: str,
    html: str = "",
    conversation: Conversation | None = None,
    message: Message | None = None,
    envelope: dict[str, Any] | None = None,
) -> OutboundMessage:
    """The row for this email (the existing one when `key` was queued before)."""
    return _queue(
        store=store,
        key=key,
        channel=Channel.EMAIL,
        recipient=to,
        subject=subject,
        body=text,
        html=html,
        conversation=conversation,
        message=message,
        envelope=envelope or {},
    )


def queue_sms(
    *,
    store: Store,
    to: str,
    text: str,
    key: str,
    conversation: Conversation | None = None,
    message: Message | None = None,
) -> OutboundMessage:
    """The row for this SMS (the existing one when `key` was queued before)."""
    return _queue(
        store=store,
        key=key,
        channel=Channel.SMS,
        recipient=to,
        body=text,
        conversation=conversation,
        message=message,
    )


def _queue(*, store: Store, key: str, **fields: Any) -> OutboundMessage:
    with transaction.atomic():
        row, created = OutboundMessage.objects.get_or_create(
            store=store, idempotency_key=key, defaults=fields
        )
        if created:
            transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def _enqueue(outbound_id: int) -> None:
    from apps.conversations.tasks import send_outbound_message

    try:
        send_outbound_message.delay(outbound_id)
    except Exception:  # the broker is down: the sweep sends it later
        logger.warning("outbox %s not enqueued; the sweep will pick it up", outbound_id)


def send_outbound(outbound_id: int) -> str:
    """Send one row if it is due and nobody else is sending it; returns its status after."""
    row = _claim(outbound_id)
    if row is None:
        return "skipped"
    try:
        sent = _deliver(row)
    except PermanentError as exc:
        _finish(row, status=Status.FAILED, error=exc)
    except TransientError as exc:
        ambiguous = isinstance(exc, AmbiguousError)
        _retry_later(row, error=exc, unconfirmed=ambiguous)
    else:
        row.status, row.sent_at = Status.SENT, timezone.now()
        row.provider_message_id, row.error = sent.message_id[:100], ""
        row.save(
            update_fields=[
                "status",
                "sent_at",
                "provider",
                "provider_message_id",
                "error",
                "updated_at",
            ]
        )
    return row.status


def _claim(outbound_id: int) -> OutboundMessage | None:
    now = timezone.now()
    claimable = Q(status__in=[Status.QUEUED, Status.UNCONFIRMED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    lost = Q(status=Status.SENDING, attempt_started_at__lt=now - LOST_ATTEMPT)
    with transaction.atomic():
        # Lock the row alone: locking the joined store too would make two workers sending
        # for one store skip each other's rows (skip_locked), leaving them to the sweep.
        row = (
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("store")
            .filter(claimable | lost, pk=outbound_id)
            .first()
        )
        if row is None:
            return None
        if row.status == Status.SENDING:
            row.status = Status.UNCONFIRMED  # its worker died mid-call: it may have gone out
        row.attempt_started_at = now
        row.first_attempt_at = row.first_attempt_at or now
        row.attempts += 1
        previous = row.status
        OutboundMessage.objects.filter(pk=row.pk).update(
            status=Status.SENDING,
            attempt_started_at=now,
            first_attempt_at=row.first_attempt_at,
            attempts=row.attempts,
        )
    row.status = previous  # what this attempt must do: send, or look up first
    return row


def _deliver(row: OutboundMessage) -> Sent:
    if row.channel == Channel.SMS:
        return _deliver_sms(row)
    if row.channel == Channel.EMAIL:
        return _deliver_email(row)
    raise PermanentError(f"Nothing sends on the {row.channel} channel.", reason="rejected")


def _deliver_sms(row: OutboundMessage) -> Sent:
    found = registry.sms_sender(row.store)
    if found is None:
        raise PermanentError("No SMS provider is connected.", reason="not_connected")
    sender, config = found
    row.provider = sender.key
    sms = Sms(
        to=row.recipient,
        body=row.body,
        from_number=config.get("from_number") or CONSOLE_FROM_NUMBER,
        status_callback=_status_callback(row) if sender.key == "twilio" else "",
    )
    if SmsOptOut.objects.filter(
        store_id=row.store_id, phone=sms.to, store_number=sms.from_number, opted_out=True
    ).exists():
        raise PermanentError("The recipient texted STOP.", reason="unsubscribed")
    if row.status == Status.UNCONFIRMED:
        since = row.first_attempt_at or row.created_at
        earlier = sender.find_sms(sms, since=since)
        if earlier is not None:
            return earlier
    return sender.send_sms(sms)


def _status_callback(row: OutboundMessage) -> str:
    token = inbound_token(row.store, Channel.SMS)
    return f"{settings.APP_URL}/inbound/sms/{token}/status"


def _deliver_email(row: OutboundMessage) -> Sent:
    found = registry.email_sender(row.store)
    if found is None:
        raise PermanentError("No email provider is connected.", reason="not_connected")
    sender, config = found
    row.provider = sender.key
    envelope = row.envelope if isinstance(row.envelope, dict) else {}
    email = Email(
        to=row.recipient,
        from_email=config.get("from_email") or CONSOLE_FROM_EMAIL,
        from_name=str(envelope.get("from_name") or row.store.name)[:100],
        subject=row.subject,
        text=row.body,
        html=row.html,
        reply_to=str(envelope.get("reply_to", "")),
        headers={str(k): str(v) for k, v in dict(envelope.get("headers") or {}).items()},
        tags={"outbound": str(row.pk), "store": str(row.store_id)},
    )
    return sender.send_email(email)


def _retry_later(row: OutboundMessage, *, error: MessagingError, unconfirmed: bool) -> None:
    if row.attempts >= settings.MESSAGING_OUTBOX_MAX_ATTEMPTS:
        _finish(row, status=Status.FAILED, error=error)
        return
    delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (row.attempts - 1))
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        delay = max(delay, int(retry_after))
    # Once unconfirmed, always looked up first: a later clean failure proves nothing about it.
    was_unconfirmed = row.status == Status.UNCONFIRMED
    row.status = Status.UNCONFIRMED if unconfirmed or was_unconfirmed else Status.QUEUED
    row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    row.error = f"{error.reason}: {error}"[:300]
    row.save(update_fields=["status", "next_attempt_at", "error", "provider", "updated_at"])


def _finish(row: OutboundMessage, *, status: str, error: MessagingError) -> None:
    row.status, row.error = status, f"{error.reason}: {error}"[:300]
    row.save(update_fields=["status", "error", "provider", "updated_at"])
    logger.info("outbox %s %s: %s", row.pk, status, error.reason)


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Rows the sweep should hand to a task again (due, or lost with their worker)."""
    now = now or timezone.now()
    due = Q(status__in=[Status.QUEUED, Status.UNCONFIRMED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    lost = Q(status=Status.SENDING, attempt_started_at__lt=now - LOST_ATTEMPT)
    rows = OutboundMessage.objects.filter(due | lost).order_by("id")
    return list(rows.values_list("id", flat=True)[:limit])


# Provider delivery events, by what they make of the row. Events arrive late, twice and out
# of order: a row only moves forward (sent → delivered), and a failure after delivery is noise.
DELIVERY_EVENTS = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "bounce": Status.BOUNCED,
    "dropped": Status.FAILED,
}
_RANK = {Status.SENT: 1, Status.DELIVERED: 2, Status.FAILED: 2, Status.BOUNCED: 2}


def record_delivery(
    *, store: Store, provider: str, message_id: str, event: str, detail: str = ""
) -> bool:
    """Apply a provider's delivery event to the store's row sent with `message_id`.
    Returns False when nothing changed (unknown message, unknown event, or older news)."""
    new = DELIVERY_EVENTS.get(event)
    if new is None or not message_id:
        return False
    with transaction.atomic():
        row = (
            OutboundMessage.objects.select_for_update()
            .filter(store=store, provider=provider, provider_message_id=message_id)
            .first()
        )
        if row is None or _RANK.get(Status(row.status), 0) >= _RANK[new]:
            return False
        row.status = new
        fields = ["status", "updated_at"]
        if new == Status.DELIVERED:
            row.delivered_at = timezone.now()
            fields.append("delivered_at")
        if new in (Status.FAILED, Status.BOUNCED):
            row.error = f"{event}: provider code {detail or 'none'}"[:300]
            fields.append("error")
        row.save(update_fields=fields)
    return True
