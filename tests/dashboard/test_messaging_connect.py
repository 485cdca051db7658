"""SendGrid and Twilio on the integrations page: the URLs to paste, a real test message through
the outbox with its fate polled, and each conversation's deliveries; all scoped to the store."""

from __future__ import annotations

import json

import pytest

from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, OutboundMessage, OutboundStatus
from apps.conversations.services import conversation_start
from apps.dashboard.services.messaging import MAX_TESTS_PER_HOUR
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

pytestmark = pytest.mark.django_db

SENDGRID = {
    "api_key": "SG.abcdefghijklmnop.qrstuvwxyzABCDEFGHIJ0123456789",
    "from_email": "support@fancysocks.example",
    "region": "global",
}
TWILIO = {
    "account_sid": "AC" + "0123456789abcdef" * 2,
    "auth_token": "twilio-auth-token-0123456789",
    "from_number": "+15005550006",
}


def _connect(store: Store, provider: str, config: dict[str, str]) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider=provider,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


def test_the_sendgrid_card_shows_the_stores_inbound_urls(merchant, shop, settings) -> None:  # type: ignore[no-untyped-def]
    settings.APP_URL = "https://aftersale.example.com"
    _connect(shop, "sendgrid", SENDGRID)

    card = merchant.get("/app/integrations/sendgrid/", htmx=True).content.decode()
    assert "/app/integrations/sendgrid/messaging/" in card
    html = merchant.get("/app/integrations/sendgrid/messaging/", htmx=True).content.decode()

    token = inbound_token(shop, Channel.EMAIL)
    assert f"https://aftersale.example.com/inbound/email/{token}</code>" in html
    assert f"https://aftersale.example.com/inbound/email/{token}/events</code>" in html
    assert "mx.sendgrid.net" in html


def test_the_twilio_card_shows_the_sms_webhook_urls(merchant, shop, settings) -> None:  # type: ignore[no-untyped-def]
    settings.APP_URL = "https://aftersale.example.com"
    _connect(shop, "twilio", TWILIO)
    html = merchant.get("/app/integrations/twilio/messaging/", htmx=True).content.decode()
    token = inbound_token(shop, Channel.SMS)
    assert f"https://aftersale.example.com/inbound/sms/{token}</code>" in html
    assert f"https://aftersale.example.com/inbound/sms/{token}/status</code>" in html


@pytest.mark.parametrize(
    "path", ["/app/integrations/sendgrid/messaging/", "/app/integrations/stripe/messaging/"]
)
def test_setup_needs_a_connected_messaging_provider(merchant, path) -> None:  # type: ignore[no-untyped-def]
    assert merchant.get(path, htmx=True).status_code == 404


def test_a_test_email_is_queued_through_the_outbox_and_polled_until_sent(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    _connect(shop, "sendgrid", SENDGRID)

    response = merchant.post(
        "/app/integrations/sendgrid/messaging/test/", {"to": "me@fancysocks.example"}
    )

    assert response.status_code == 200
    [row] = OutboundMessage.objects.filter(store=shop)
    assert (row.channel, row.recipient, row.status) == (
        Channel.EMAIL,
        "me@fancysocks.example",
        "queued",
    )
    assert row.idempotency_key.startswith("test:sendgrid:")
    status_url = f"/app/integrations/sendgrid/messaging/test/{row.pk}/"
    assert status_url in response.content.decode()  # it polls while queued

    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENT, provider="sendgrid"
    )
    done = merchant.get(status_url, htmx=True).content.decode()
    assert 'data-test-status="sent"' in done
    assert status_url not in done  # polling stops


def test_a_test_sms_needs_an_e164_number(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    _connect(shop, "twilio", TWILIO)
    response = merchant.post("/app/integrations/twilio/messaging/test/", {"to": "555 1234"})
    assert response.status_code == 422
    assert "+15551234567" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_tests_are_limited_per_hour(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    _connect(shop, "twilio", TWILIO)
    for _ in range(MAX_TESTS_PER_HOUR):
        merchant.post("/app/integrations/twilio/messaging/test/", {"to": "+15551230001"})
    response = merchant.post("/app/integrations/twilio/messaging/test/", {"to": "+15551230001"})
    assert response.status_code == 422
    assert OutboundMessage.objects.count() == MAX_TESTS_PER_HOUR


def test_another_stores_test_and_deliveries_are_not_found(merchant, rival, shop) -> None:  # type: ignore[no-untyped-def]
    _connect(shop, "twilio", TWILIO)
    merchant.post("/app/integrations/twilio/messaging/test/", {"to": "+15551230001"})
    row = OutboundMessage.objects.get()
    conversation = conversation_start(shop, Channel.SMS, customer_phone="+15551230001")
    assert (
        rival.get(f"/app/integrations/twilio/messaging/test/{row.pk}/", htmx=True).status_code
        == 404
    )
    assert (
        rival.get(f"/app/conversations/{conversation.pk}/deliveries/", htmx=True).status_code == 404
    )


def test_a_customer_message_is_not_readable_as_a_test(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    row = OutboundMessage.objects.create(
        store=shop,
        channel=Channel.SMS,
        recipient="+15551230001",
        body="Your refund",
        idempotency_key="reply:1",
    )
    assert (
        merchant.get(f"/app/integrations/twilio/messaging/test/{row.pk}/", htmx=True).status_code
        == 404
    )


def test_a_conversation_shows_each_outbound_messages_delivery_state(merchant, shop) -> None:  # type: ignore[no-untyped-def]
    conversation = conversation_start(shop, Channel.SMS, customer_phone="+15551230001")
    for key, status in (("a", OutboundStatus.DELIVERED), ("b", OutboundStatus.FAILED)):
        OutboundMessage.objects.create(
            store=shop,
            conversation=conversation,
            channel=Channel.SMS,
            recipient="+15551230001",
            body=f"reply {key}",
            idempotency_key=key,
            status=status,
            error="undelivered: provider code 30003" if status == OutboundStatus.FAILED else "",
        )
    page = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert f"/app/conversations/{conversation.pk}/deliveries/" in page
    html = merchant.get(
        f"/app/conversations/{conversation.pk}/deliveries/", htmx=True
    ).content.decode()
    assert 'data-delivery="delivered"' in html
    assert 'data-delivery="failed"' in html
    assert "30003" in html
