"""Email and SMS in the dashboard, in headless Chromium: the SendGrid card's URLs and test send,
the notification switches with their preview, and a conversation's delivery states."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from apps.chat.services import message_add_customer
from apps.conversations.models import Channel, OutboundMessage, OutboundStatus
from apps.conversations.services import conversation_start
from apps.notifications.preferences import notification_settings
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.dashboard.test_browser import demo, offline, open_demo_dashboard  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_merchant_sets_up_email_and_its_notifications(offline, live_server, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    IntegrationCredential.objects.create(
        store=demo,
        provider="sendgrid",
        config=Secret(
            json.dumps(
                {
                    "api_key": "SG.abcdefghijklmnop.qrstuvwxyzABCDEFGHIJ0123456789",
                    "from_email": "support@northwind.example",
                    "region": "global",
                }
            )
        ),
        status=IntegrationStatus.CONNECTED,
    )
    open_demo_dashboard(offline, live_server, demo, "/app/integrations/")
    card = offline.locator("#integration-sendgrid")
    expect(card.locator("[data-url=inbound]")).to_contain_text("/inbound/email/")
    card.get_by_label("Send a test email to").fill("owner@northwind.example")
    card.get_by_role("button", name="Send test").click()
    expect(card.locator("[data-test-status]")).to_contain_text("owner@northwind.example")
    assert OutboundMessage.objects.filter(store=demo, recipient="owner@northwind.example").exists()
    screenshot(offline, "messaging-sendgrid-card")

    open_demo_dashboard(offline, live_server, demo, "/app/settings/")
    form = offline.locator("#notifications-form")
    form.locator("[data-notification=team_digest]").get_by_role("button", name="Preview").click()
    expect(offline.locator("[data-preview=team_digest]")).to_contain_text("need your team")
    form.get_by_label("Customer on web chat: the same notice by email").check()
    form.get_by_role("button", name="Save notifications").click()
    expect(offline.locator("#notifications-form")).to_contain_text("Saved")
    assert notification_settings(demo).web_by_email
    screenshot(offline, "messaging-notifications")

    conversation = conversation_start(demo, Channel.SMS, customer_phone="+15551230001")
    message_add_customer(conversation, "where is my order")
    OutboundMessage.objects.create(
        store=demo,
        conversation=conversation,
        channel=Channel.SMS,
        recipient="+15551230001",
        body="Which order number?",
        idempotency_key="reply:x",
        status=OutboundStatus.DELIVERED,
    )
    open_demo_dashboard(offline, live_server, demo, f"/app/conversations/{conversation.pk}/")
    expect(offline.locator("[data-delivery=delivered]")).to_contain_text("Delivered")
    screenshot(offline, "messaging-conversation-deliveries")
