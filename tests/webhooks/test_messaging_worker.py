"""Email and SMS end to end through a real Celery worker, against the providers' stand-in over
real HTTP: a signed text is answered by one SMS whose status callback marks it delivered; an
email with quoted history is answered by exactly one email in the customer's thread."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from apps.conversations.inbound import inbound_token
from apps.conversations.models import (
    Channel,
    EmailThread,
    Message,
    MessageRole,
    OutboundMessage,
    OutboundStatus,
)
from apps.integrations.commerce.demo import seed_demo_store
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from standins.messaging import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN, MessagingStandIn

pytestmark = pytest.mark.worker

PUBLIC = "https://aftersale.example.com"
CUSTOMER = "+15551230001"
STORE_NUMBER = "+15005550006"
DOMAIN = "reply.demo.example.com"


@pytest.fixture
def stand_in() -> Iterator[MessagingStandIn]:
    with MessagingStandIn() as server:
        yield server


@pytest.fixture
def celery_worker_env(stand_in: MessagingStandIn) -> dict[str, str]:
    return {
        "APP_URL": PUBLIC,
        "MESSAGING_TWILIO_API_BASE": stand_in.url,
        "MESSAGING_SENDGRID_API_HOST": stand_in.url,
    }


def _connect(store: Store, provider: str, config: dict[str, str]) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider=provider,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


def _signed_post(client: Client, path: str, params: dict[str, str]) -> int:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + path, params)
    return int(client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code)


def test_a_text_is_answered_by_one_sms_that_the_status_callback_marks_delivered(
    celery_worker_process, client: Client, settings, stand_in: MessagingStandIn
) -> None:  # type: ignore[no-untyped-def]
    settings.APP_URL = PUBLIC
    store = seed_demo_store()
    twilio = {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "from_number": STORE_NUMBER}
    _connect(store, "twilio", twilio)
    path = f"/inbound/sms/{inbound_token(store, Channel.SMS)}"
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": TWILIO_SID,
        "From": CUSTOMER,
        "To": STORE_NUMBER,
        "Body": "where is my order",
    }
    assert _signed_post(client, path, params) == 200
    assert _signed_post(client, path, params) == 200  # Twilio's retry

    celery_worker_process.wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.SENT).exists(),
        what="the SMS reply sent",
    )
    [row] = OutboundMessage.objects.all()
    assert (row.channel, row.recipient, row.provider) == (Channel.SMS, CUSTOMER, "twilio")
    [sent] = stand_in.state.sms
    assert (sent["sid"], sent["to"]) == (row.provider_message_id, CUSTOMER)
    assert "order number" in sent["body"]
    assert "**" not in sent["body"]
    assert sent["status_callback"] == f"{PUBLIC}{path}/status"

    callback = {"MessageSid": sent["sid"], "AccountSid": TWILIO_SID, "MessageStatus": "delivered"}
    assert _signed_post(client, f"{path}/status", callback) == 204
    row.refresh_from_db()
    assert row.status == OutboundStatus.DELIVERED
    assert len(stand_in.state.sms) == 1


QUOTED = (
    "Hi, where is my order 1001?\n\nJane\n-- \nJane Doe, Springfield\n\n"
    "On Tue, 2 Jun 2026 at 09:00, Demo Store <help@demo.example.com> wrote:\n"
    "> Thanks for your order!\n> Order 1001: 1 hoodie\n"
)


def test_an_email_with_quoted_history_is_answered_by_one_threaded_email(
    celery_worker_process, client: Client, stand_in: MessagingStandIn
) -> None:  # type: ignore[no-untyped-def]
    store = seed_demo_store()
    sendgrid = {
        "api_key": SENDGRID_KEY,
        "from_email": "help@demo.example.com",
        "from_name": "Demo Support",
        "inbound_domain": DOMAIN,
        "region": "global",
    }
    _connect(store, "sendgrid", sendgrid)
    path = f"/inbound/email/{inbound_token(store, Channel.EMAIL)}"
    form = {
        "headers": (
            "From: Jane <jane@example.com>\nTo: help@demo.example.com\n"
            "Subject: Re: Your order\nMessage-ID: <q1@mail.example.com>\n"
            "References: <confirm-1001@demo.example.com>\n"
        ),
        "from": "Jane <jane@example.com>",
        "to": "help@demo.example.com",
        "subject": "Re: Your order",
        "text": QUOTED,
        "envelope": json.dumps({"to": ["help@demo.example.com"], "from": "jane@example.com"}),
    }
    assert client.post(path, form).status_code == 200
    assert client.post(path, form).status_code == 200  # SendGrid posting it again

    celery_worker_process.wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.SENT).exists(),
        what="the email reply sent",
    )
    customer = Message.objects.get(role=MessageRole.CUSTOMER)
    assert customer.text == "Hi, where is my order 1001?\n\nJane"
    [row] = OutboundMessage.objects.all()
    assert (row.channel, row.recipient, row.provider) == (
        Channel.EMAIL,
        "jane@example.com",
        "sendgrid",
    )
    [sent] = stand_in.state.emails
    mail = sent["body"]
    thread = EmailThread.objects.get()
    assert mail["from"] == {"email": "help@demo.example.com", "name": "Demo Support"}
    assert mail["reply_to"] == {"email": f"support+{thread.token}@{DOMAIN}"}
    assert mail["subject"] == "Re: Your order"
    headers = mail["headers"]
    assert headers["In-Reply-To"] == "<q1@mail.example.com>"
    assert headers["References"] == "<confirm-1001@demo.example.com> <q1@mail.example.com>"
    assert headers["Message-ID"].endswith(f".t{thread.token}@{DOMAIN}>")
    assert sent["id"] == row.provider_message_id
