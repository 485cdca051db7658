"""Inbound texts and emails, taken off the webhook request: the views (inbound_sms,
inbound_email) verified and stored the message as an event; here it becomes a customer message
(keywords, opt-outs, threading, conversation lookup) and goes to the agent.

Once the message is saved, the event's payload (the customer's words, number, address) is
cleared in the same transaction: the conversation is now the only copy, so a customer
redaction that deletes it leaves nothing behind in the inbox. The row and its event id stay
for dedupe until the retention purge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.chat.services import receive_email, receive_sms
from apps.conversations.email_inbound import email_from_payload
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError
from apps.webhooks.models import WebhookEvent
from apps.webhooks.topics import EMAIL_INBOUND, SMS_INBOUND

if TYPE_CHECKING:
    from apps.stores.models import Store

SMS_TOPIC = SMS_INBOUND
EMAIL_TOPIC = EMAIL_INBOUND

CLEARED_PAYLOAD = {"cleared": "message saved"}
# Set by customers/redact (apps.webhooks.privacy.redact.REDACTED_PAYLOAD).
_EMPTIED_MARKERS = ("cleared", "redacted")


def _emptied(payload: Any) -> bool:
    """A payload this handler or a redaction already cleared: a replay has nothing to do."""
    return isinstance(payload, dict) and any(key in payload for key in _EMPTIED_MARKERS)


def _clear_payload(event: WebhookEvent) -> None:
    WebhookEvent.objects.filter(pk=event.pk).update(payload=CLEARED_PAYLOAD)


def handle_inbound_sms(event: WebhookEvent, store: Store) -> HandlerResult:
    payload = event.payload
    if _emptied(payload):
        return HandlerResult.ignored("payload cleared (saved before, or redacted)")
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) for k in ("sid", "from", "to", "body")
    ):
        raise PermanentHandlerError("not an inbound SMS payload")
    with transaction.atomic():
        message = receive_sms(
            store=store,
            message_sid=payload["sid"],
            customer=payload["from"],
            store_number=payload["to"],
            body=payload["body"],
        )
        _clear_payload(event)
    # None: a keyword (recorded) or a text taken before (a replayed event).
    return HandlerResult.processed("" if message is not None else "keyword or duplicate")


def handle_inbound_email(event: WebhookEvent, store: Store) -> HandlerResult:
    if _emptied(event.payload):
        return HandlerResult.ignored("payload cleared (saved before, or redacted)")
    email = email_from_payload(event.payload)
    if email is None:
        raise PermanentHandlerError("not an inbound email payload")
    with transaction.atomic():
        outcome = receive_email(store=store, email=email)
        _clear_payload(event)
    return HandlerResult.processed(str(outcome))
