"""Messaging setup in the dashboard: the URLs a merchant pastes into SendGrid and Twilio, and a
real test message sent through the outbox (so the test proves the whole path, not just a key)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.conversations import outbox
from apps.conversations.email_reply import simple_html
from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, OutboundMessage
from apps.integrations.messaging.base import EMAIL_ADDRESS, PHONE
from apps.stores.models import Store

TEST_KEY_PREFIX = "test:"
MAX_TESTS_PER_HOUR = 5
CHANNEL_OF = {"sendgrid": Channel.EMAIL, "twilio": Channel.SMS}


class TestRefused(ValueError):
    """The test message cannot be sent (a bad recipient, too many tests); nothing queued."""


@dataclass(frozen=True)
class SetupUrls:
    """Where the provider must post: the merchant pastes these into its console."""

    inbound: str
    status: str  # Twilio's status callback / SendGrid's Event Webhook


def setup_urls(store: Store, provider: str) -> SetupUrls:
    channel = CHANNEL_OF[provider]
    base = f"{settings.APP_URL}/inbound/{channel}/{inbound_token(store, channel)}"
    return SetupUrls(
        inbound=base, status=f"{base}/events" if channel == Channel.EMAIL else f"{base}/status"
    )


def messaging_test_send(*, store: Store, provider: str, to: str) -> OutboundMessage:
    """Queue one test email or SMS to the merchant through the outbox (a task sends it).

    Raises TestRefused for a recipient that is not an address/number of the right kind, or
    after MAX_TESTS_PER_HOUR tests in an hour (a test SMS costs the merchant money)."""
    channel = CHANNEL_OF[provider]
    to = to.strip()
    pattern = EMAIL_ADDRESS if channel == Channel.EMAIL else PHONE
    if not pattern.fullmatch(to):
        kind = "an email address" if channel == Channel.EMAIL else "a number like +15551234567"
        raise TestRefused(f"Enter {kind}.")
    since = timezone.now() - timedelta(hours=1)
    recent = OutboundMessage.objects.filter(
        store=store, idempotency_key__startswith=TEST_KEY_PREFIX, created_at__gte=since
    ).count()
    if recent >= MAX_TESTS_PER_HOUR:
        raise TestRefused("That is enough tests for this hour; try again later.")
    key = f"{TEST_KEY_PREFIX}{provider}:{uuid.uuid4().hex}"
    text = f"This is a test from Aftersale for {store.name or store.domain}: {channel} works."
    if channel == Channel.SMS:
        return outbox.queue_sms(store=store, to=to, text=text, key=key)
    return outbox.queue_email(
        store=store,
        to=to,
        subject="Aftersale test email",
        text=text,
        html=simple_html(text),
        key=key,
    )


def messaging_test_row(store: Store, outbound_id: int) -> OutboundMessage | None:
    """One of the store's test messages (never another store's, never a customer's)."""
    return OutboundMessage.objects.filter(
        store=store, pk=outbound_id, idempotency_key__startswith=TEST_KEY_PREFIX
    ).first()
