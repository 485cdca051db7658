"""Notifications: the team gets one digest per interval however busy it is, customers get one
notice per action done on the channel they used, the transcript once per request; every switch
is honoured and nothing is sent twice."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    EmailThread,
    OutboundMessage,
)
from apps.conversations.services import conversation_start, message_add_assistant
from apps.integrations.connections import registry as connections
from apps.notifications.customer import notify_action_done, pending_action_ids, transcript_send
from apps.notifications.digest import digest_send
from apps.notifications.preferences import notification_settings, notification_settings_update
from apps.notifications.tasks import sweep_notifications
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.stores.services import store_settings
from tests.clock import ahead
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

TEAM = "team@shop.example.com"


@pytest.fixture(autouse=True)
def _connected(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)
    config = {
        "api_key": "SG.key-of-the-store-0123.abcdefghijklmnop",
        "from_email": "help@shop.example.com",
        "inbound_domain": "reply.shop.example.com",
        "region": "global",
    }
    IntegrationCredential.objects.create(
        store=store,
        provider="sendgrid",
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )
    rules = store_settings(store)
    rules.escalation_email = TEAM
    rules.widget_color = "#aa3300"
    rules.save()


def _action(
    conversation: Conversation, kind: str, status: str, n: int, **fields: object
) -> AgentAction:
    message = message_add_customer(conversation, f"please {n}")
    return AgentAction.objects.create(
        store=conversation.store,
        conversation=conversation,
        message=message,
        kind=kind,
        status=status,
        idempotency_key=f"test:{conversation.pk}:{n}:{kind}",
        **fields,
    )


def _escalations(store: Store, count: int) -> None:
    for n in range(count):
        conversation = conversation_start(store, Channel.WEB)
        _action(
            conversation,
            ActionKind.ESCALATE,
            ActionStatus.EXECUTED,
            n,
            parameters={"reason": "angry"},
        )


def test_a_busy_hour_sends_one_digest_not_fifty(store: Store) -> None:
    _escalations(store, 50)
    now = timezone.now()

    first = digest_send(store_id=store.pk, now=now)
    assert first is not None
    assert digest_send(store_id=store.pk, now=now) is None  # the same sweep, twice

    _escalations(store, 5)  # more during the hour: wait for the next digest
    assert digest_send(store_id=store.pk, now=ahead(minutes=30)) is None
    later = digest_send(store_id=store.pk, now=ahead(minutes=61))

    rows = OutboundMessage.objects.filter(store=store)
    assert rows.count() == 2
    assert first.recipient == TEAM
    assert first.subject.startswith("50 conversations need your team")
    assert "…and 20 more" in first.body
    assert "escalation address" in first.body  # why you got this
    assert "#aa3300" in first.html
    assert later is not None
    assert later.subject.startswith("5 conversations")


def test_an_approval_waiting_is_in_the_digest_and_one_already_decided_is_not(store: Store) -> None:
    conversation = conversation_start(store, Channel.WEB)
    _action(
        conversation,
        ActionKind.REFUND,
        ActionStatus.AWAITING_APPROVAL,
        1,
        amount=Decimal("20"),
        currency="USD",
        parameters={"order_name": "#1001"},
    )
    _action(
        conversation,
        ActionKind.REFUND,
        ActionStatus.EXECUTED,
        2,
        amount=Decimal("5"),
        currency="USD",
    )
    row = digest_send(store_id=store.pk, now=timezone.now())
    assert row is not None
    assert "Awaiting approval: refund 20.00 USD on #1001" in row.body
    assert "5.00" not in row.body


def test_no_digest_when_switched_off_or_without_an_address_and_old_news_is_not_sent_later(
    store: Store,
) -> None:
    notification_settings_update(store=store, switches={"team_digest": False})
    _escalations(store, 3)
    assert digest_send(store_id=store.pk, now=timezone.now()) is None
    notification_settings_update(store=store, switches={"team_digest": True})
    assert digest_send(store_id=store.pk, now=ahead(minutes=1)) is None
    assert not OutboundMessage.objects.exists()


def _email_conversation(store: Store) -> Conversation:
    conversation = conversation_start(store, Channel.EMAIL, customer_email="jane@example.com")
    EmailThread.objects.create(
        store=store,
        conversation=conversation,
        token="a" * 20,
        customer_address="jane@example.com",
        subject="My order",
        last_message_id="<m1@x>",
        references=["<m1@x>"],
    )
    return conversation


def test_a_refund_done_is_told_once_by_email_in_the_customers_thread(store: Store) -> None:
    conversation = _email_conversation(store)
    action = _action(
        conversation,
        ActionKind.REFUND,
        ActionStatus.EXECUTED,
        1,
        amount=Decimal("12.50"),
        currency="USD",
        parameters={"order_name": "#1001"},
        executed_at=timezone.now() - timedelta(minutes=5),
    )
    assert pending_action_ids(timezone.now()) == [action.pk]

    row = notify_action_done(action.pk)
    notify_action_done(action.pk)

    assert OutboundMessage.objects.count() == 1
    assert row is not None
    assert row.recipient == "jane@example.com"
    assert row.subject.startswith("Your refund was issued")
    assert "12.50 USD for #1001 was issued" in row.body
    assert row.envelope["headers"]["In-Reply-To"] == "<m1@x>"
    assert pending_action_ids(timezone.now()) == []


def test_a_return_label_is_texted_with_its_link_on_sms(store: Store) -> None:
    conversation = conversation_start(store, Channel.SMS, customer_phone="+15551230001")
    action = _action(
        conversation,
        ActionKind.RETURN_LABEL,
        ActionStatus.EXECUTED,
        1,
        parameters={"order_name": "#1002"},
        result={"label_url": "https://labels.example.com/l/1.pdf"},
        executed_at=timezone.now(),
    )
    row = notify_action_done(action.pk)
    assert row is not None
    assert (row.channel, row.recipient) == (Channel.SMS, "+15551230001")
    assert "https://labels.example.com/l/1.pdf" in row.body


def test_web_chat_gets_email_only_when_switched_on_and_only_to_the_orders_address(
    store: Store,
) -> None:
    order = OrderFactory(store=store, email="owner@example.com", name="#1003")
    conversation = conversation_start(store, Channel.WEB, customer_email="claimed@example.net")
    action = _action(
        conversation,
        ActionKind.CANCEL_ORDER,
        ActionStatus.EXECUTED,
        1,
        order=order,
        parameters={"order_name": "#1003"},
        executed_at=timezone.now(),
    )
    assert notify_action_done(action.pk) is None  # off by default
    notification_settings_update(store=store, switches={"web_by_email": True})
    row = notify_action_done(action.pk)
    assert row is not None
    assert row.recipient == "owner@example.com"
    assert "#1003 was cancelled" in row.body


def test_actions_not_done_or_switched_off_are_not_announced(store: Store) -> None:
    conversation = _email_conversation(store)
    failed = _action(conversation, ActionKind.REFUND, ActionStatus.FAILED, 1)
    assert notify_action_done(failed.pk) is None
    done = _action(
        conversation,
        ActionKind.CHANGE_ADDRESS,
        ActionStatus.EXECUTED,
        2,
        executed_at=timezone.now(),
    )
    notification_settings_update(store=store, switches={"action_done": False})
    assert notify_action_done(done.pk) is None
    assert not OutboundMessage.objects.exists()


def test_the_sweep_sends_digests_and_notices_once(store: Store) -> None:
    conversation = _email_conversation(store)
    _action(conversation, ActionKind.ESCALATE, ActionStatus.EXECUTED, 1)
    _action(
        conversation,
        ActionKind.CREATE_RETURN,
        ActionStatus.EXECUTED,
        2,
        executed_at=timezone.now() - timedelta(minutes=5),
    )
    assert sweep_notifications() == {"digests": 1, "notices": 1}
    assert sweep_notifications() == {"digests": 0, "notices": 0}
    assert OutboundMessage.objects.count() == 2


def test_the_transcript_is_sent_once_per_request_without_internal_notes(store: Store) -> None:
    conversation = _email_conversation(store)
    message_add_customer(conversation, "Where is my order?")
    message_add_assistant(conversation, "It ships tomorrow.")
    row = transcript_send(conversation)
    transcript_send(conversation)
    assert OutboundMessage.objects.count() == 1
    assert row is not None
    assert "You: Where is my order?" in row.body
    assert "Assistant: It ships tomorrow." in row.body
    with time_machine.travel(ahead(minutes=1)):
        message_add_customer(conversation, "thanks")
        assert transcript_send(conversation) is not None


def test_the_transcript_is_not_sent_without_a_proven_address(store: Store) -> None:
    conversation = conversation_start(store, Channel.WEB, customer_email="claimed@example.net")
    message_add_customer(conversation, "hi")
    assert transcript_send(conversation) is None
    assert notification_settings(store).transcript
