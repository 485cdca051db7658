"""An escalation opens a ticket with the transcript in the connected helpdesk, once."""

from __future__ import annotations

import json

import pytest

from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.helpdesk import escalation
from apps.helpdesk.escalation import NOTE_KIND
from apps.helpdesk.models import (
    AiRepliesAs,
    HelpdeskSettings,
    HelpdeskSync,
    HelpdeskThread,
    TicketsFor,
)
from apps.helpdesk.sync import sync_send
from apps.helpdesk.tasks import mirror_conversation
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.factories import OrderFactory
from tests.integrations.helpdesk.conftest import HelpdeskWorld, stored_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(mirror_conversation, "apply_async", lambda args, **_: calls.append(args[0]))
    return calls


def escalated_conversation(store: Store) -> tuple[Conversation, Message]:
    order = OrderFactory(store=store, platform_order_id="gid://shopify/Order/5551", number=1001)
    conversation = Conversation.objects.create(
        store=store,
        customer_email="jane@example.com",
        customer_verified=True,
        primary_intent="refund_request",
        order_in_focus=order,
    )
    for role, text in (
        (MessageRole.CUSTOMER, "I want to talk to a person"),
        (MessageRole.ASSISTANT, "A person from our team will answer here."),
    ):
        reply = Message.objects.create(store=store, conversation=conversation, role=role, text=text)
    AgentAction.objects.create(
        store=store,
        conversation=conversation,
        message=reply,
        kind=ActionKind.ESCALATE,
        idempotency_key=f"esc-{conversation.pk}",
        parameters={"reason": "Customer asked for a person", "intent": "refund_request"},
    )
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
    HelpdeskSettings.objects.create(store=store, tags=["VIP list"], escalation_assignee="")
    conversation, reply = escalated_conversation(store)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == [conversation.pk]

    assert mirror_conversation(conversation.pk) == 1
    assert mirror_conversation(conversation.pk) == 1  # idempotent: the same rows
    rows = list(HelpdeskSync.objects.order_by("id").values_list("pk", flat=True))
    assert len(rows) == 3  # the transcript, then the team's note
    for row in rows:
        assert sync_send(row).status == "sent"
    [thread] = world.standin.threads.values()
    customer, ours, note = thread.messages
    assert [customer.body, ours.body] == [
        "I want to talk to a person",
        "A person from our team will answer here.",
    ]
    assert not ours.notified  # delivered in the chat already: never sent again
    assert not note.public
    assert not note.notified
    handle = store.domain.removesuffix(".myshopify.com")
    for fact in (
        "Why: Customer asked for a person",
        "Intent: refund request",
        "Customer: jane@example.com (verified)",
        f"Order: #1001 https://admin.shopify.com/store/{handle}/orders/5551",
    ):
        assert fact in note.body, note.body
    assert {"aftersale", "refund_request", "vip-list"} <= set(thread.tags)
    # The widget never shows the team's note.
    assert conversation.messages.get(role=MessageRole.SYSTEM).metadata["kind"] == NOTE_KIND
    escalation.on_reply_committed(reply.pk)  # mirrored and noted: nothing more to start
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


def connect(store: Store, world: HelpdeskWorld) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider=world.name,
        config=Secret(json.dumps(stored_config(world))),
        status=IntegrationStatus.CONNECTED,
    )


def test_a_merchant_who_mirrors_everything_gets_a_ticket_before_any_escalation(
    store: Store, world: HelpdeskWorld, enqueued: list[int]
):
    connect(store, world)
    HelpdeskSettings.objects.create(
        store=store, tickets_for=TicketsFor.ALL, ai_replies_as=AiRepliesAs.NOTES
    )
    conversation, reply = escalated_conversation(store)
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.AI_HANDLING)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == [conversation.pk]
    assert mirror_conversation(conversation.pk) == 1
    for row in HelpdeskSync.objects.order_by("id").values_list("pk", flat=True):
        assert sync_send(row).status == "sent"
    [thread] = world.standin.threads.values()
    assert [(m.author, m.public) for m in thread.messages] == [("customer", True), ("bot", False)]
    assert not conversation.messages.filter(role=MessageRole.SYSTEM).exists()

    # Escalated later: the existing ticket gets the team's note, once.
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.ESCALATED)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == [conversation.pk, conversation.pk]
    mirror_conversation(conversation.pk)
    mirror_conversation(conversation.pk)
    for row in HelpdeskSync.objects.order_by("id").values_list("pk", flat=True):
        sync_send(row)
    assert len(thread.messages) == 3
    assert thread.messages[-1].body.startswith("Aftersale handed this conversation")


def test_a_merchant_who_wants_no_tickets_gets_none(
    store: Store, world: HelpdeskWorld, enqueued: list[int]
):
    connect(store, world)
    HelpdeskSettings.objects.create(store=store, tickets_for=TicketsFor.NEVER)
    conversation, reply = escalated_conversation(store)
    escalation.on_reply_committed(reply.pk)
    assert enqueued == []
    assert mirror_conversation(conversation.pk) == 0
    assert not HelpdeskThread.objects.exists()
    assert world.standin.threads == {}


@pytest.mark.parametrize("kind", ["user", "team"])
def test_an_escalation_is_routed_to_the_person_or_team_the_merchant_chose(
    store: Store, world: HelpdeskWorld, enqueued: list[int], kind: str
):
    connect(store, world)
    [chosen, *_] = [a for a in world.provider.list_assignees() if a.kind == kind]
    HelpdeskSettings.objects.create(
        store=store, escalation_assignee_kind=kind, escalation_assignee=chosen.id
    )
    conversation, _ = escalated_conversation(store)
    mirror_conversation(conversation.pk)
    for row in HelpdeskSync.objects.order_by("id").values_list("pk", flat=True):
        assert sync_send(row).status == "sent"
    [thread] = world.standin.threads.values()
    # A team is a Gorgias team, a Zendesk group, a Front inbox, an Intercom team.
    routed = thread.team if kind == "team" else thread.assignee
    assert routed == chosen.id
    assert (thread.assignee if kind == "team" else thread.team) == ""


def test_the_helpdesks_people_and_teams_are_listed_for_the_settings_form(
    store: Store, world: HelpdeskWorld
):
    from apps.helpdesk.assignees import assignees_listed, assignees_refresh

    assert assignees_listed(store.pk) is None
    connect(store, world)
    assert assignees_refresh(store.pk) > 0
    listed = assignees_listed(store.pk)
    assert listed is not None
    assert {(c.provider, c.kind.value) for c in listed} == {
        (world.name, "user"),
        (world.name, "team"),
    }
    assert world.standin.agent_id in {c.id for c in listed}
    world.standin.revoke()  # a helpdesk that cannot answer is left out, nothing raised
    assert assignees_refresh(store.pk) == 0


def test_a_helpdesk_disconnected_takes_its_people_and_teams_off_the_form(
    store: Store, world: HelpdeskWorld
):
    from apps.helpdesk.assignees import assignees_listed, assignees_refresh
    from apps.helpdesk.connect import helpdesk_disconnect_run

    connect(store, world)
    assignees_refresh(store.pk)
    assert assignees_listed(store.pk)
    credential = IntegrationCredential.objects.get(store=store)
    IntegrationCredential.objects.filter(pk=credential.pk).update(
        status=IntegrationStatus.NOT_CONNECTED
    )
    assert helpdesk_disconnect_run(credential.pk)
    # Another account connected next must not be checked against this one's ids.
    assert assignees_listed(store.pk) is None
