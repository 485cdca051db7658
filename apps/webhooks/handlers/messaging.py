"""Inbound texts and emails, taken off the webhook request: the views (inbound_sms,
inbound_email) verified and stored the message as an event; here it becomes a customer message
(keywords, opt-outs, threading, conversation lookup) and goes to the agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.chat.services import receive_email, receive_sms
from apps.conversations.email_inbound import email_from_payload
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

SMS_TOPIC = "twilio/sms.inbound"
EMAIL_TOPIC = "sendgrid/email.inbound"


def handle_inbound_sms(event: WebhookEvent, store: Store) -> HandlerResult:
    payload = event.payload
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) for k in ("sid", "from", "to", "body")
    ):
        raise PermanentHandlerError("not an inbound SMS payload")
    message = receive_sms(
        store=store,
        message_sid=payload["sid"],
        customer=payload["from"],
        store_number=payload["to"],
        body=payload["body"],
    )
    # None: a keyword (recorded) or a text taken before (a replayed event).
    return HandlerResult.processed("" if message is not None else "keyword or duplicate")


def handle_inbound_email(event: WebhookEvent, store: Store) -> HandlerResult:
    email = email_from_payload(event.payload)
    if email is None:
        raise PermanentHandlerError("not an inbound email payload")
    return HandlerResult.processed(str(receive_email(store=store, email=email)))
