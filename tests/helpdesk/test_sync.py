"""The helpdesk outbox against each of the four stand-ins: once, in order, within budget."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.conversations.models import Conversation, Message, MessageRole
from apps.helpdesk import sync
from apps.helpdesk.models import HelpdeskSync, HelpdeskThread, SyncStatus
from apps.helpdesk.sync import connected_helpdesks, mirror_message, sync_send, sync_sweep
from apps.integrations.helpdesk import throttle
from apps.integrations.helpdesk.tenants import tenant_from_config
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(store: Store, world: HelpdeskWorld) -> Conversation:
    IntegrationCredential.objects.create(
        store=store,
        provider=world.name,
        config=Secret(json.dumps(stored_config(world))),
        status=IntegrationStatus.CONNECTED,
    )
    return Conversation.objects.create(store=store, customer_email="jane@example.com")


def say(conversation: Conversation, role: str, text: str) -> int:
    message = Message.objects.create(
        store=conversation.store, conversation=conversation, role=role, text=text
    )
    [row] = mirror_message(message, connected_helpdesks(conversation.store))
    return row


def test_each_message_reaches_the_helpdesk_once_and_in_order(
    world: HelpdeskWorld, conversation: Conversation
):
    first = say(conversation, MessageRole.CUSTOMER, "Where is my order?")
    second = say(conversation, MessageRole.ASSISTANT, "It is on its way.")

    assert sync_send(second).status == "waiting"  # the thread's first message goes first
    assert world.standin.threads == {}
    outcome = sync_send(first)
    assert (outcome.status, outcome.next_row) == (SyncStatus.SENT, second)
    HelpdeskSync.objects.filter(pk=second).update(next_attempt_at=None)
    assert sync_send(second).status == SyncStatus.SENT
    # Redelivered tasks find the rows sent and send nothing.
    assert sync_send(first).status == "skipped"
    assert sync_send(second).status == "skipped"

    [thread] = world.standin.threads.values()
    assert [(m.author, m.body) for m in thread.messages] == [
        ("customer", "Where is my order?"),
        ("bot", "It is on its way."),
    ]
    assert not thread.messages[1].notified  # the widget delivered it already
    rows = HelpdeskSync.objects.order_by("id")
    assert all(r.provider_message_id for r in rows)
    assert HelpdeskThread.objects.get(conversation=conversation).thread_id == thread.id


def test_a_row_ahead_sent_while_the_next_one_looks_at_it_still_lets_it_go(
    world: HelpdeskWorld, conversation: Conversation, monkeypatch: pytest.MonkeyPatch
):
    """The row ahead is backing off for ten minutes, and is sent (its retry, another
    worker) just after the row behind read its turn: the row behind was claimed then, so
    the wake-up missed it. It must go now, not sleep out the ten minutes."""
    first = say(conversation, MessageRole.CUSTOMER, "Where is my order?")
    second = say(conversation, MessageRole.ASSISTANT, "It is on its way.")
    HelpdeskSync.objects.filter(pk=first).update(
        next_attempt_at=timezone.now() + timedelta(minutes=10)
    )
    read_turn = sync._earlier_unsent

    def then_the_row_ahead_is_sent(row: HelpdeskSync) -> float | None:
        turn = read_turn(row)
        monkeypatch.setattr(sync, "_earlier_unsent", read_turn)
        HelpdeskSync.objects.filter(pk=first).update(next_attempt_at=None)  # its retry is due
        assert sync_send(first).status == SyncStatus.SENT
        return turn

    monkeypatch.setattr(sync, "_earlier_unsent", then_the_row_ahead_is_sent)
    outcome = sync_send(second)
    assert (outcome.status, outcome.retry_in) == ("waiting", 0)
    assert HelpdeskSync.objects.get(pk=second).next_attempt_at is None
    assert sync_send(second).status == SyncStatus.SENT


def test_two_workers_sending_one_row_send_it_once(world: HelpdeskWorld, conversation: Conversation):
    row = say(conversation, MessageRole.CUSTOMER, "Hello")
    HelpdeskSync.objects.filter(pk=row).update(status=SyncStatus.SENDING, claimed_at=timezone.now())
    assert sync_send(row).status == "skipped"  # the other worker holds it
    assert world.standin.threads == {}


def test_a_429_pauses_the_tenant_and_reschedules_without_spending_an_attempt(
    world: HelpdeskWorld, conversation: Conversation
):
    row = say(conversation, MessageRole.CUSTOMER, "Hello")
    world.standin.fail_next("429", retry_after=30)
    outcome = sync_send(row)
    assert outcome.status == SyncStatus.PENDING
    assert outcome.retry_in is not None
    assert 25 <= outcome.retry_in <= 31
    stored = HelpdeskSync.objects.get(pk=row)
    assert stored.attempts == 0
    tenant = tenant_from_config(world.name, stored_config(world))
    assert throttle.seconds_until_allowed(tenant) > 0  # every worker now waits
    calls = len(world.standin.requests)
    HelpdeskSync.objects.filter(pk=row).update(next_attempt_at=None)
    assert sync_send(row).status == "throttled"
    assert len(world.standin.requests) == calls  # our bucket held it back, not the provider


def test_a_revoked_token_fails_the_row_and_asks_the_merchant_to_reconnect(
    world: HelpdeskWorld, conversation: Conversation
):
    row = say(conversation, MessageRole.CUSTOMER, "Hello")
    world.standin.revoke()
    assert sync_send(row).status == SyncStatus.FAILED
    credential = IntegrationCredential.objects.get(provider=world.name)
    assert credential.status == IntegrationStatus.FAILING
    assert credential.last_error.startswith("Reconnect needed")


def test_a_create_whose_answer_was_lost_is_retried_without_a_second_thread(
    world: HelpdeskWorld, conversation: Conversation
):
    row = say(conversation, MessageRole.CUSTOMER, "Hello")
    world.standin.fail_next("lost", "POST", world.create_path)
    assert sync_send(row).status == SyncStatus.UNCERTAIN
    HelpdeskSync.objects.filter(pk=row).update(next_attempt_at=None)
    assert sync_send(row).status == SyncStatus.SENT
    assert len(world.standin.threads) == 1


def test_a_post_whose_answer_was_lost_is_looked_for_before_it_is_sent_again(
    world: HelpdeskWorld, conversation: Conversation
):
    first = say(conversation, MessageRole.CUSTOMER, "Hello")
    assert sync_send(first).status == SyncStatus.SENT
    second = say(conversation, MessageRole.CUSTOMER, "Are you there?")
    [thread] = world.standin.threads.values()
    # Front takes the customer's later messages as imports into the inbox.
    world.standin.fail_next("lost", "", "imported_messages" if world.name == "front" else thread.id)
    assert sync_send(second).status == SyncStatus.UNCERTAIN
    HelpdeskSync.objects.filter(pk=second).update(next_attempt_at=None)
    assert sync_send(second).status == SyncStatus.SENT
    assert [m.body for m in thread.messages].count("Are you there?") == 1
    assert HelpdeskSync.objects.get(pk=second).provider_message_id


def test_the_sweep_takes_back_a_dead_workers_row_as_uncertain(
    world: HelpdeskWorld, conversation: Conversation
):
    row = say(conversation, MessageRole.CUSTOMER, "Hello")
    long_ago = timezone.now() - timedelta(minutes=10)
    HelpdeskSync.objects.filter(pk=row).update(status=SyncStatus.SENDING, claimed_at=long_ago)
    assert sync_sweep() == [row]
    assert HelpdeskSync.objects.get(pk=row).status == SyncStatus.UNCERTAIN
    # A thread creation is idempotent at every provider: safe to finish.
    assert sync_send(row).status == SyncStatus.SENT
    assert len(world.standin.threads) == 1
    assert sync_sweep() == []


def test_a_message_saved_in_a_mirrored_conversation_gets_its_row_with_it(
    world: HelpdeskWorld, conversation: Conversation, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from apps.conversations.services import message_add_assistant
    from apps.helpdesk.sync import start_mirroring

    Message.objects.create(
        store=conversation.store, conversation=conversation, role=MessageRole.CUSTOMER, text="Hi"
    )
    assert not HelpdeskSync.objects.exists()  # not mirrored yet
    [first] = start_mirroring(conversation, connected_helpdesks(conversation.store))
    assert sync_send(first).status == SyncStatus.SENT
    with django_capture_on_commit_callbacks() as callbacks:
        reply = message_add_assistant(conversation, "Happy to help.")
    row = HelpdeskSync.objects.get(message=reply)
    assert row.provider == world.name
    assert row.status == SyncStatus.PENDING
    assert callbacks  # the send is enqueued on commit
    assert sync_send(row.pk).status == SyncStatus.SENT
    [thread] = world.standin.threads.values()
    assert [m.body for m in thread.messages] == ["Hi", "Happy to help."]
