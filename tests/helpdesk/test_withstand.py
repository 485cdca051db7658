"""What the helpdesk half withstands beyond the outbox's own tests: a helpdesk down for an
hour, a merchant who disconnects mid-conversation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from apps.agent.tasks import handle_message
from apps.chat.services import message_add_customer
from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole
from apps.dashboard.services.integrations import integration_disconnect
from apps.helpdesk.events import TOKEN_CONFIG_KEY, webhook_path_token
from apps.helpdesk.models import HelpdeskSync, SyncStatus
from apps.helpdesk.sync import connected_helpdesks, start_mirroring, sync_send, sync_sweep
from apps.integrations.connections.registry import provider as provider_spec
from apps.integrations.helpdesk import throttle
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(store: Store, world: HelpdeskWorld) -> Conversation:
    IntegrationCredential.objects.create(
        store=store,
        provider=world.name,
        config=Secret(json.dumps({**stored_config(world), TOKEN_CONFIG_KEY: "tok-abcdefghij"})),
        status=IntegrationStatus.CONNECTED,
    )
    conversation = Conversation.objects.create(store=store, customer_email="jane@example.com")
    Message.objects.create(
        store=store, conversation=conversation, role=MessageRole.CUSTOMER, text="Hello?"
    )
    return conversation


def test_a_helpdesk_down_for_an_hour_gets_the_message_once_when_it_is_back(
    world: HelpdeskWorld, conversation: Conversation, monkeypatch: pytest.MonkeyPatch
):
    # The moved clock does not move Redis's windows: the budget is another test's subject.
    monkeypatch.setattr(throttle, "seconds_until_allowed", lambda tenant: 0)
    [row] = start_mirroring(conversation, connected_helpdesks(conversation.store))
    started = timezone.now()
    tries = 0
    with time_machine.travel(started, tick=False) as clock:
        while timezone.now() - started < timedelta(hours=1):
            world.standin.fail_next("500")
            assert sync_send(row).status == SyncStatus.PENDING
            tries += 1
            clock.move_to(HelpdeskSync.objects.get(pk=row).next_attempt_at)
        assert sync_send(row).status == SyncStatus.SENT
    assert tries >= 5
    [thread] = world.standin.threads.values()
    assert [m.body for m in thread.messages] == ["Hello?"]


def test_what_is_written_while_the_helpdesk_is_down_for_an_hour_arrives_once_in_order(
    world: HelpdeskWorld, conversation: Conversation, monkeypatch: pytest.MonkeyPatch
):
    """The conversation goes on during the outage (the customer, the AI, a person in our
    dashboard): every message waits in the outbox, none is given up, and when the helpdesk
    is back the beat's sweep sends them all, once each, in the conversation's order."""
    monkeypatch.setattr(throttle, "seconds_until_allowed", lambda tenant: 0)
    start_mirroring(conversation, connected_helpdesks(conversation.store))
    said = ["Hello?"]
    later = [
        (MessageRole.ASSISTANT, "Let me look that up."),
        (MessageRole.CUSTOMER, "Order #1001 please."),
        (MessageRole.HUMAN_AGENT, "Sam here, checking with the warehouse."),
    ]
    started = timezone.now()
    with time_machine.travel(started, tick=False) as clock:
        while timezone.now() - started < timedelta(hours=1):
            if later:  # written now: the row comes with the message
                role, text = later.pop(0)
                Message.objects.create(
                    store=conversation.store, conversation=conversation, role=role, text=text
                )
                said.append(text)
            for row in sync_sweep():
                world.standin.fail_next("500")
                assert sync_send(row).status in (SyncStatus.PENDING, "waiting")
            world.standin.faults.clear()
            assert not HelpdeskSync.objects.filter(status=SyncStatus.FAILED).exists()
            # Behind the first, the others sleep until its next try (woken when it is sent),
            # rather than their tasks re-running every few seconds for the hour.
            first, *behind = HelpdeskSync.objects.order_by("id")
            assert all(r.next_attempt_at >= first.next_attempt_at for r in behind)
            clock.move_to(timezone.now() + timedelta(minutes=5))
        assert world.standin.threads == {}
        # The helpdesk is back: the sweep's beats, each at the next row's backoff.
        for _ in range(len(said) * 3):
            for row in sync_sweep():
                sync_send(row)
            unsent = HelpdeskSync.objects.exclude(status=SyncStatus.SENT)
            due = unsent.order_by("next_attempt_at").values_list("next_attempt_at", flat=True)
            if not due:
                break
            clock.move_to(max(due[0] or timezone.now(), timezone.now()))
    assert set(HelpdeskSync.objects.values_list("status", flat=True)) == {SyncStatus.SENT}
    assert HelpdeskSync.objects.count() == len(said) == 4
    [thread] = world.standin.threads.values()
    assert [m.body for m in thread.messages] == said


def test_a_merchant_who_disconnects_mid_conversation_stops_the_mirror_not_the_chat(
    client: Client, store: Store, world: HelpdeskWorld, conversation: Conversation
):
    [first] = start_mirroring(conversation, connected_helpdesks(store))
    assert sync_send(first).status == SyncStatus.SENT
    credential = IntegrationCredential.objects.get(store=store, provider=world.name)
    url = f"/webhooks/helpdesk/{world.name}/{webhook_path_token(credential)}"
    pending = message_add_customer(conversation, "Still there?")
    [row] = HelpdeskSync.objects.filter(message=pending)

    spec = provider_spec(world.name)
    assert spec is not None
    assert integration_disconnect(store=store, actor="owner", spec=spec)

    assert sync_send(row.pk).status == SyncStatus.FAILED  # nothing sent anywhere
    assert HelpdeskSync.objects.get(pk=row.pk).last_error == "the helpdesk is not connected"
    # Its webhooks are no longer ours to accept.
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    # The chat goes on: the AI answers, and new messages are not mirrored.
    later = message_add_customer(conversation, "where is my order?")
    handle_message(later.pk)
    assert conversation.messages.filter(role=MessageRole.ASSISTANT).exists()
    assert not HelpdeskSync.objects.filter(message=later).exists()
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.HUMAN_HANDLING
