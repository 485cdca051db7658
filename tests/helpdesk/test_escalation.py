"""An escalation opens a ticket with the transcript in the connected helpdesk, once."""

from __future__ import annotations

import json

import pytest

from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole
from apps.helpdesk import escalation
from apps.helpdesk.models import HelpdeskSync, HelpdeskThread
from apps.helpdesk.sync import sync_send
from apps.helpdesk.tasks import mirror_conversation
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(mirror_conversation, "apply_async", lambda args, **_: calls.append(args[0]))
    return calls


def escalated_conversation(store: Store) -> tuple[Conversation, Message]:
    conversation = Conversation.objects.create(store=store, customer_email="jane@example.com")
    for role, text in (
        (MessageRole.CUSTOMER, "I want to talk to a person"),
        (MessageRole.ASSISTANT, "A person from our team will answer here."),
    ):
        reply = Message.objects.create(store=store, conversation=conversation, role=role, text=text)
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.ESCALATED)
    return conversation, reply


def test_an_escalated_conversation_becomes_a_ticket_with_its_transcript(
    store: Store, world: HelpdeskWorld, enqueued: list[int]
):
    IntegrationCredential.objects.create(
        store=store,
        provider=world.name,
        config=Secret(json.dumps(stored_config(world))),
        status=IntegrationStatus.CONNECTED,
    )
    conversation, reply = escalated_conversation(store)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == [conversation.pk]

    assert mirror_conversation(conversation.pk) == 1
    assert mirror_conversation(conversation.pk) == 1  # idempotent: the same rows
    rows = list(HelpdeskSync.objects.order_by("id").values_list("pk", flat=True))
    assert len(rows) == 2
    for row in rows:
        assert sync_send(row).status == "sent"
    [thread] = world.standin.threads.values()
    assert [m.body for m in thread.messages] == [
        "I want to talk to a person",
        "A person from our team will answer here.",
    ]
    escalation.on_reply_committed(reply.pk)  # mirrored now: nothing more to start
    assert enqueued == [conversation.pk]


def test_a_conversation_the_ai_still_handles_is_not_mirrored(store: Store, enqueued: list[int]):
    conversation, reply = escalated_conversation(store)
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.AI_HANDLING)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == []
    assert not HelpdeskThread.objects.exists()


def test_without_a_connected_helpdesk_an_escalation_stays_in_our_inbox(
    store: Store, enqueued: list[int]
):
    conversation, reply = escalated_conversation(store)
    escalation.on_reply_committed(reply.pk)
    assert mirror_conversation(conversation.pk) == 0
    assert not HelpdeskSync.objects.exists()
