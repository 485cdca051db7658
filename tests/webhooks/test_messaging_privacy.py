"""Inbound texts and emails do not outlive their purpose in the inbox: a processed event's
payload is cleared with the message it became, and a customer's or a store's erasure also
reaches the events still waiting (pending or failed)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.conversations.email_inbound import InboundEmail, email_to_payload
from apps.conversations.models import Conversation, Message
from apps.stores.models import Store, StoreStatus
from apps.webhooks.handlers import messaging
from apps.webhooks.handlers.base import TransientHandlerError
from apps.webhooks.models import WebhookEvent
from apps.webhooks.tasks import process_webhook_event
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db

JON_PHONE = "+15550101234"  # the redact request says "+1 (555) 010-1234"
ARYA_PHONE = "+15550109999"


def _sms(store: Store, *, sender: str = JON_PHONE, body: str = "Where is #1001?", **kw: Any):
    return WebhookEventFactory(
        provider="twilio",
        store=store,
        topic=messaging.SMS_TOPIC,
        payload={"sid": "SM" + sender[-4:] + body[:4], "from": sender, "to": "+15005550006",
                 "body": body},
        **kw,
    )  # fmt: skip


def _email(store: Store, *, sender: str = "jon@example.com", **kw: Any):
    email = InboundEmail(sender=sender, subject="My parcel", text="It never came. 12 Oak St.")
    return WebhookEventFactory(
        provider="sendgrid",
        store=store,
        topic=messaging.EMAIL_TOPIC,
        payload=email_to_payload(email),
        **kw,
    )


def _payload(event: WebhookEvent) -> Any:
    return WebhookEvent.objects.get(pk=event.pk).payload


def test_a_processed_text_leaves_its_words_only_in_the_conversation(shop):
    event = _sms(shop)

    assert process_webhook_event(event.pk) == "processed"

    assert Message.objects.get(store=shop).text == "Where is #1001?"
    assert _payload(event) == messaging.CLEARED_PAYLOAD
    kept = WebhookEvent.objects.get(pk=event.pk)
    assert (kept.event_id, kept.status) == (event.event_id, "processed")  # dedupe still works


def test_a_processed_email_is_cleared_too(shop):
    event = _email(shop)
    assert process_webhook_event(event.pk) == "processed"
    assert _payload(event) == messaging.CLEARED_PAYLOAD


def test_a_keyword_text_is_cleared_once_recorded(shop):
    event = _sms(shop, body="STOP")
    assert process_webhook_event(event.pk) == "processed"
    assert _payload(event) == messaging.CLEARED_PAYLOAD


def test_a_failed_attempt_keeps_the_payload_for_its_retry(shop, monkeypatch):
    """Clearing shares the message's transaction: no message, no clearing."""
    event = _sms(shop)
    original = event.payload

    def saved_then_lost(**kwargs: Any) -> None:
        from apps.conversations.sms import save_inbound_sms

        save_inbound_sms(**kwargs)  # written, then the transaction is rolled back
        raise TransientHandlerError("database hiccup")

    monkeypatch.setattr(messaging, "receive_sms", saved_then_lost)

    assert process_webhook_event(event.pk) == "failed"

    assert _payload(event) == original
    assert not Message.objects.filter(store=shop).exists()


def test_a_replayed_cleared_event_is_ignored_not_failed(shop):
    event = _sms(shop)
    process_webhook_event(event.pk)
    WebhookEvent.objects.filter(pk=event.pk).update(status="pending")

    assert process_webhook_event(event.pk) == "ignored"
    assert Message.objects.filter(store=shop).count() == 1


def test_customer_redact_scrubs_the_customers_waiting_texts_and_emails(shop, other_store):
    waiting_text = _sms(shop)
    failed_email = _email(shop, sender="jon@example.com", status="failed")
    other_customer = _sms(shop, sender=ARYA_PHONE)
    other_email = _email(shop, sender="arya@example.com")
    twin_elsewhere = _sms(other_store)
    kept = {e.pk: e.payload for e in (other_customer, other_email, twin_elsewhere)}
    redact = WebhookEventFactory(
        store=shop, topic="customers/redact", payload=fixture("customers_redact")
    )

    assert process_webhook_event(redact.pk) == "processed"

    assert _payload(waiting_text) == {"redacted": True}
    assert _payload(failed_email) == {"redacted": True}
    assert {pk: _payload(WebhookEvent(pk=pk)) for pk in kept} == kept
    assert "message_payloads 2" in WebhookEvent.objects.get(pk=redact.pk).note

    # The text that was waiting is never taken now: Jon asked for his data to go.
    assert process_webhook_event(waiting_text.pk) == "ignored"
    assert not Conversation.objects.filter(store=shop, customer_phone=JON_PHONE).exists()


def test_shop_redact_deletes_the_stores_waiting_messages(shop, other_store):
    Store.objects.filter(pk=shop.pk).update(status=StoreStatus.UNINSTALLED)
    waiting = [_sms(shop), _email(shop, status="failed")]
    elsewhere = _sms(other_store)
    redact = WebhookEventFactory(store=shop, topic="shop/redact", payload=fixture("shop_redact"))

    assert process_webhook_event(redact.pk) == "processed"

    assert not WebhookEvent.objects.filter(pk__in=[e.pk for e in waiting]).exists()
    assert WebhookEvent.objects.filter(pk=elsewhere.pk).exists()


def test_a_text_retried_or_swept_goes_back_to_the_chat_queue(
    shop, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.webhooks.maintenance import webhook_events_sweep
    from tests.webhooks.helpers import queued_event_ids

    def lost(**kwargs: Any) -> None:
        raise TransientHandlerError("database hiccup")

    monkeypatch.setattr(messaging, "receive_sms", lost)
    text = _sms(shop)

    assert process_webhook_event(text.pk) == "failed"  # its retry is published, with backoff
    assert queued_event_ids("chat") == [text.pk]
    assert queued_event_ids() == []

    from apps.core.redis import get_redis

    get_redis().flushdb()  # the retry was lost with the broker
    order = WebhookEventFactory(store=shop, topic="orders/paid")  # never sent: the sweep's
    with django_capture_on_commit_callbacks(execute=True):
        webhook_events_sweep()
    assert queued_event_ids() == [order.pk]
    assert queued_event_ids("chat") == []  # the text's retry is not due yet
    WebhookEvent.objects.filter(pk=text.pk).update(status="pending", dispatched_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_events_sweep()
    assert queued_event_ids("chat") == [text.pk]


def test_a_text_taken_from_the_chat_queue_leaves_the_default_queues_watermark_alone(shop):
    """The sweep reads the watermark as the default queue's head; a chat-queue claim that
    moved it would make a store-webhook backlog look lost, and double it."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.webhooks import backlog

    head = timezone.now() - timedelta(minutes=5)
    backlog.note_claimed(head)
    process_webhook_event(_sms(shop, dispatched_at=timezone.now()).pk)
    assert backlog.watermark() == pytest.approx(head.timestamp(), abs=1)

    order = WebhookEventFactory(store=shop, topic="orders/paid", dispatched_at=timezone.now())
    process_webhook_event(order.pk)
    assert backlog.watermark() == pytest.approx(order.dispatched_at.timestamp(), abs=1)
