"""Replayed and misdirected deliveries through the real endpoint,
/webhooks/helpdesk/<provider>/<token>, for each of the four helpdesks: a delivery posted
again is stored once and acted on once; an old signed delivery replayed later is refused
where the helpdesk dates what it signs; one store's delivery posted to another store's URL
changes nothing there."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from apps.conversations.models import Conversation, ConversationStatus, MessageRole
from apps.helpdesk.events import TOKEN_CONFIG_KEY, webhook_path_token
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import process_webhook_event
from tests.helpdesk.test_webhooks import (  # noqa: F401  (fixtures)
    credential,
    human_reply,
    mirrored,
    post,
)
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config

pytestmark = pytest.mark.django_db


def snapshot(conversation: Conversation) -> tuple[str, list[tuple[str, str]]]:
    conversation.refresh_from_db()
    messages = conversation.messages.order_by("id").values_list("role", "text")
    return conversation.status, list(messages)


def test_the_same_signed_delivery_twice_is_one_event_acted_on_once(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    mirrored: Conversation,  # noqa: F811
):
    payload = human_reply(world, mirrored)
    assert post(client, world, credential, payload).json() == {"status": "accepted"}
    assert post(client, world, credential, payload).json() == {"status": "duplicate"}
    [event] = WebhookEvent.objects.all()

    assert process_webhook_event(event.pk) == "processed"
    after_first = snapshot(mirrored)
    assert after_first[0] == ConversationStatus.HUMAN_HANDLING
    assert [r for r, _ in after_first[1]].count(MessageRole.HUMAN_AGENT) == 1

    # The task redelivered, and the delivery replayed once more after processing.
    assert process_webhook_event(event.pk) == "skipped"
    assert post(client, world, credential, payload).json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookStatus.PROCESSED, 1)
    assert snapshot(mirrored) == after_first


def test_an_old_signed_delivery_replayed_now_is_refused(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    mirrored: Conversation,  # noqa: F811
):
    payload = human_reply(world, mirrored)
    if world.name == "gorgias":
        pytest.skip("Gorgias dates and signs nothing: its replays are deduped and re-read")
    if world.name == "intercom":
        # Intercom signs no timestamp header; the signed body's created_at dates it.
        payload["created_at"] = int(time.time()) - 13 * 3600
        response = post(client, world, credential, payload)
    else:
        long_ago = datetime.now(UTC) - timedelta(minutes=10)
        response = post(client, world, credential, payload, sent_at=long_ago)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert snapshot(mirrored)[0] == ConversationStatus.AI_HANDLING


@pytest.fixture
def other_credential(other_store: Store, world: HelpdeskWorld) -> IntegrationCredential:
    """Another store, connected to its own account at the same helpdesk."""
    config = {
        **stored_config(world),
        "webhook_secret": "whsec-another-store-0000",
        TOKEN_CONFIG_KEY: "tok-another-store-abcdefghij",
    }
    key = {"gorgias": "subdomain", "zendesk": "account_id", "front": "company_id"}
    config[key.get(world.name, "app_id")] = world.foreign_key
    return IntegrationCredential.objects.create(
        store=other_store,
        provider=world.name,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


def test_a_delivery_for_one_store_posted_to_another_stores_url_changes_nothing(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
    other_credential: IntegrationCredential,
    mirrored: Conversation,  # noqa: F811
):
    payload = human_reply(world, mirrored)
    before = snapshot(mirrored)
    # Signed (or, for Gorgias, headed) with the first store's secret, sent to the other's URL.
    assert post(client, world, other_credential, payload).status_code == 401
    # The other store's connection id with the first store's token: no such webhook.
    mixed = f"{other_credential.pk}.{webhook_path_token(credential).partition('.')[2]}"
    url = f"/webhooks/helpdesk/{world.name}/{mixed}"
    request = world.standin.deliver(payload)
    response = client.post(
        url, data=request.body, content_type="application/json", headers=dict(request.headers)
    )
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()
    assert snapshot(mirrored) == before
