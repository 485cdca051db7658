"""POST /webhooks/helpdesk/<provider>/<token> for each of the four helpdesks: verified over
the raw body, stored once, processed in the task through the takeover rule."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.conversations.models import Conversation, ConversationStatus, MessageRole
from apps.helpdesk.events import TOKEN_CONFIG_KEY, webhook_path_token
from apps.helpdesk.models import HelpdeskThread
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import process_webhook_event
from standins.helpdesk.standin import StoredMessage
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config
from tests.integrations.helpdesk.test_contract import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(store: Store, world: HelpdeskWorld) -> IntegrationCredential:
    config = {**stored_config(world), TOKEN_CONFIG_KEY: "tok-0123456789abcdefghij"}
    return IntegrationCredential.objects.create(
        store=store,
        provider=world.name,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


@pytest.fixture
def mirrored(store: Store, world: HelpdeskWorld, credential: IntegrationCredential) -> Conversation:
    conversation = Conversation.objects.create(
        store=store, status=ConversationStatus.AI_HANDLING, customer_email="jane@example.com"
    )
    _, thread = start(world)
    HelpdeskThread.objects.create(
        store=store,
        conversation=conversation,
        provider=world.name,
        external_id="conv-1",
        thread_id=thread.id,
        customer_ref=thread.customer_id,
    )
    return conversation


def thread_id(conversation: Conversation) -> str:
    return HelpdeskThread.objects.get(conversation=conversation).thread_id


def post(
    client: Client,
    world: HelpdeskWorld,
    credential: IntegrationCredential,
    payload: dict,
    **deliver: object,
):  # type: ignore[no-untyped-def]
    request = world.standin.deliver(payload, **deliver)  # type: ignore[arg-type]
    url = f"/webhooks/helpdesk/{world.name}/{webhook_path_token(credential)}"
    return client.post(
        url, data=request.body, content_type="application/json", headers=dict(request.headers)
    )


def human_reply(world: HelpdeskWorld, conversation: Conversation) -> dict:
    message: StoredMessage = world.standin.agent_writes(
        thread_id(conversation), "agent", public=True, body="Maria here, I will sort it out."
    )
    return world.standin.message_webhook(thread_id(conversation), message)


def test_a_human_reply_webhook_is_stored_once_and_hands_the_conversation_to_people(
    client: Client, world: HelpdeskWorld, credential: IntegrationCredential, mirrored: Conversation
):
    payload = human_reply(world, mirrored)
    response = post(client, world, credential, payload)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "accepted"}
    assert post(client, world, credential, payload).json() == {"status": "duplicate"}
    [event] = WebhookEvent.objects.all()
    assert (event.provider, event.topic, event.store_id) == (
        world.name,
        f"helpdesk/{world.name}",
        credential.store_id,
    )

    process_webhook_event(event.pk)
    event.refresh_from_db()
    assert (event.status, event.note) == (WebhookStatus.PROCESSED, "took_over")
    mirrored.refresh_from_db()
    assert mirrored.status == ConversationStatus.HUMAN_HANDLING
    assert (
        mirrored.messages.get(role=MessageRole.HUMAN_AGENT).text
        == "Maria here, I will sort it out."
    )


def test_a_forged_or_foreign_webhook_is_refused_and_stores_nothing(
    client: Client, world: HelpdeskWorld, credential: IntegrationCredential, mirrored: Conversation
):
    payload = human_reply(world, mirrored)
    assert post(client, world, credential, payload, secret="guessed-secret").status_code == 401
    foreign = world.standin.message_webhook(
        thread_id(mirrored), mirrored_message(world, mirrored), tenant_key=world.foreign_key
    )
    assert post(client, world, credential, foreign).status_code == 401
    bad_url = f"/webhooks/helpdesk/{world.name}/{credential.pk}.wrong-token"
    assert client.post(bad_url, data=b"{}", content_type="application/json").status_code == 404
    assert not WebhookEvent.objects.exists()
    mirrored.refresh_from_db()
    assert mirrored.status == ConversationStatus.AI_HANDLING


def mirrored_message(world: HelpdeskWorld, conversation: Conversation) -> StoredMessage:
    return world.standin.agent_writes(thread_id(conversation), "agent", public=True, body="Hi")


def test_a_webhook_for_a_ticket_we_do_not_mirror_changes_nothing(
    client: Client, world: HelpdeskWorld, credential: IntegrationCredential, mirrored: Conversation
):
    HelpdeskThread.objects.filter(conversation=mirrored).update(thread_id="someone-elses")
    payload = world.standin.message_webhook(
        thread_id_of_standin(world), mirrored_message_on_standin(world)
    )
    assert post(client, world, credential, payload).status_code == 200
    [event] = WebhookEvent.objects.all()
    process_webhook_event(event.pk)
    event.refresh_from_db()
    assert event.note == "ignored"
    mirrored.refresh_from_db()
    assert mirrored.status == ConversationStatus.AI_HANDLING


def thread_id_of_standin(world: HelpdeskWorld) -> str:
    return next(iter(world.standin.threads))


def mirrored_message_on_standin(world: HelpdeskWorld) -> StoredMessage:
    return world.standin.agent_writes(thread_id_of_standin(world), "agent", public=True, body="Hi")


def test_gorgias_is_believed_only_after_the_api_confirms_the_message(
    client: Client, world: HelpdeskWorld, credential: IntegrationCredential, mirrored: Conversation
):
    if world.name != "gorgias":
        pytest.skip("Gorgias alone sends unsigned webhooks")
    payload = human_reply(world, mirrored)
    payload["message_id"] = "31337"  # someone who learnt the URL names a made-up message
    assert post(client, world, credential, payload).status_code == 200
    [event] = WebhookEvent.objects.all()
    process_webhook_event(event.pk)
    event.refresh_from_db()
    assert event.status == WebhookStatus.IGNORED
    mirrored.refresh_from_db()
    assert mirrored.status == ConversationStatus.AI_HANDLING


def test_fronts_validation_request_is_answered_with_its_challenge(
    client: Client, world: HelpdeskWorld, credential: IntegrationCredential
):
    if world.name != "front":
        pytest.skip("Front alone validates an app webhook with a challenge")
    request = world.standin.deliver(
        {"type": "sync", "authorization": {"id": world.standin.tenant_key}}
    )
    url = f"/webhooks/helpdesk/front/{webhook_path_token(credential)}"
    headers = {**request.headers, "x-front-challenge": "chal-123"}
    response = client.post(url, data=request.body, content_type="application/json", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"challenge": "chal-123"}
    unsigned = {"x-front-challenge": "chal-123"}
    refused = client.post(url, data=request.body, content_type="application/json", headers=unsigned)
    assert refused.status_code == 401
    assert not WebhookEvent.objects.exists()
