"""Connecting a helpdesk from the integrations page with an API token, for each of the four
against its stand-in: the credentials are checked, the account and our bot's user learnt,
our webhook registered at the URL the webhooks endpoint accepts, and on disconnect removed."""

# The helpdesk stand-ins fixture is imported by name, so test arguments shadow it on purpose.
# ruff: noqa: F811
from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.helpdesk.connect import CONNECTED_AS_KEY
from apps.integrations.helpdesk.base import MessageKind, OutMessage
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks.models import WebhookEvent
from tests.billing.billing_shopify import subscribed
from tests.dashboard.fixtures.providers import every_provider_connectable  # noqa: F401
from tests.helpdesk.conftest import roomy_budget  # noqa: F401
from tests.integrations.helpdesk.conftest import HelpdeskWorld, world  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_provider_connectable")]


def form(world: HelpdeskWorld) -> dict[str, str]:
    fake = world.standin
    return {
        "gorgias": {
            "subdomain": "northwind",
            "email": "owner@merchant.test",
            "api_key": fake.token,
        },
        "zendesk": {
            "subdomain": "northwind",
            "email": "bot@merchant.test",
            "api_token": fake.token,
        },
        "front": {
            "api_token": fake.token,
            "teammate_email": "bot@merchant.test",
            "inbox_id": fake.channel_ref,
        },
        "intercom": {"access_token": fake.token, "region": "us"},
    }[world.name]


@pytest.fixture
def connect(merchant, shop: Store, eager_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    subscribed(shop, plan_key="growth")

    def _post(url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return merchant.post(url, data or {})

    return _post


def registered_urls(world: HelpdeskWorld) -> list[str]:
    hooks = world.standin.webhooks.values()
    return [h.get("endpoint") or h.get("http", {}).get("url") for h in hooks]


def test_connecting_learns_the_account_and_registers_our_webhook(
    connect, merchant, shop: Store, world: HelpdeskWorld, client: Client
):
    response = connect(f"/app/integrations/{world.name}/connect/", form(world))
    assert response.status_code == 200
    row = IntegrationCredential.objects.get(store=shop, provider=world.name)
    config = row.revealed_config()
    assert (row.status, row.last_error) == (IntegrationStatus.CONNECTED, "")
    assert config["bot_actor_id"] == world.standin.bot_id
    assert "bot@merchant.test" in config[CONNECTED_AS_KEY]
    assert row.hint in ("configured", f"ends in …{world.standin.token[-4:]}")
    panel = merchant.get(f"/app/integrations/{world.name}/helpdesk/").content.decode()
    assert "bot@merchant.test" in panel

    url = f"http://localhost:8000/webhooks/helpdesk/{world.name}/{row.pk}.{config['webhook_token']}"
    # Gorgias and Zendesk webhooks are registered per account; Front's and Intercom's are
    # part of our app (the URL and its secret are the app's settings).
    assert registered_urls(world) == ([url] if world.name in ("gorgias", "zendesk") else [])

    # What the helpdesk now sends to that URL is accepted as this store's.
    customer = world.provider.find_or_create_customer("jane@example.com")
    first = OutMessage("Hello", MessageKind.CUSTOMER)
    thread = world.provider.create_thread(customer, "Hi", first, external_id="c-1")
    message = world.standin.agent_writes(thread.id, "agent", public=True, body="Hi")
    request = world.standin.deliver(
        world.standin.message_webhook(thread.id, message), secret=config["webhook_secret"]
    )
    path = url.removeprefix("http://localhost:8000")
    answer = client.post(
        path, data=request.body, content_type="application/json", headers=dict(request.headers)
    )
    assert answer.status_code == 200, answer.content
    assert WebhookEvent.objects.get().store_id == shop.pk


def test_connecting_again_replaces_our_webhook_and_disconnecting_removes_it(
    connect, shop: Store, world: HelpdeskWorld
):
    if world.name not in ("gorgias", "zendesk"):
        pytest.skip("Front and Intercom webhooks belong to our app, not to the account")
    connect(f"/app/integrations/{world.name}/connect/", form(world))
    connect(f"/app/integrations/{world.name}/test/")
    assert len(world.standin.webhooks) == 1
    connect(f"/app/integrations/{world.name}/disconnect/")
    assert world.standin.webhooks == {}
    assert not IntegrationCredential.objects.filter(store=shop).exists()


def test_a_revoked_token_shows_reconnect_and_registers_nothing(
    connect, merchant, shop: Store, world: HelpdeskWorld
):
    entered = form(world)
    world.standin.revoke()
    connect(f"/app/integrations/{world.name}/connect/", entered)
    row = IntegrationCredential.objects.get(store=shop, provider=world.name)
    assert row.status == IntegrationStatus.FAILING
    assert world.standin.webhooks == {}
    assert "bot_actor_id" not in row.revealed_config()
    assert "webhook_token" not in json.dumps(row.revealed_config())


def test_the_panel_shows_whom_webhooks_sync_and_failures_and_retry_sends_again(
    connect, merchant, rival, shop: Store, world: HelpdeskWorld, client: Client
):
    from apps.conversations.models import Conversation, Message, MessageRole
    from apps.helpdesk.models import HelpdeskSync, SyncStatus

    connect(f"/app/integrations/{world.name}/connect/", form(world))
    conversation = Conversation.objects.create(store=shop)
    message = Message.objects.create(
        store=shop, conversation=conversation, role=MessageRole.CUSTOMER, text="hi"
    )
    row = HelpdeskSync.objects.create(
        store=shop,
        conversation=conversation,
        message=message,
        provider=world.name,
        status=SyncStatus.FAILED,
        attempts=14,
        last_error="Gorgias: Internal error (HTTP 500)",
    )
    panel = merchant.get(f"/app/integrations/{world.name}/helpdesk/").content.decode()
    assert "Connected as" in panel
    assert "bot@merchant.test" in panel
    assert "1 message(s) could not be sent" in panel
    assert "nothing sent yet" in panel

    # Another store's retry touches nothing of ours.
    rival.post(f"/app/integrations/{world.name}/helpdesk/retry/")
    assert HelpdeskSync.objects.get(pk=row.pk).status == SyncStatus.FAILED
    answer = connect(f"/app/integrations/{world.name}/helpdesk/retry/")
    assert answer.status_code == 200
    row.refresh_from_db()
    # Sent again at once (eager here): the row reaches the helpdesk.
    assert row.status == SyncStatus.SENT
    assert "could not be sent" not in answer.content.decode()
