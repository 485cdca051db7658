"""One message per event per channel: on SMS and email the agent's reply that carried out an
action is its announcement (no notice follows it), and a return label is emailed once, by the
return flow, never again as the "label ready" notice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agent.return_notices import label_told_once
from apps.chat.services import message_add_customer
from apps.conversations.email_reply import queue_email_reply
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    EmailThread,
    Message,
    OutboundMessage,
)
from apps.conversations.services import conversation_start, message_add_assistant
from apps.conversations.sms import queue_sms_reply
from apps.integrations.connections import registry as connections
from apps.notifications.customer import notify_action_done, pending_action_ids
from apps.notifications.preferences import notification_settings_update
from apps.notifications.tasks import sweep_notifications
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

CUSTOMER_EMAIL = "jane@example.com"
CUSTOMER_PHONE = "+15551230001"


@pytest.fixture(autouse=True)
def _sendgrid(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
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


def _conversation(store: Store, channel: str) -> Conversation:
    if channel == Channel.SMS:
        return conversation_start(store, Channel.SMS, customer_phone=CUSTOMER_PHONE)
    conversation = conversation_start(store, channel, customer_email=CUSTOMER_EMAIL)
    if channel == Channel.EMAIL:
        EmailThread.objects.create(
            store=store,
            conversation=conversation,
            token="b" * 20,
            customer_address=CUSTOMER_EMAIL,
            subject="My order",
            last_message_id="<m1@x>",
            references=["<m1@x>"],
        )
    return conversation


def _done(conversation: Conversation, kind: str, **fields: object) -> AgentAction:
    """An action carried out a few minutes ago (past the sweep's settling time)."""
    message = message_add_customer(conversation, "please")
    return AgentAction.objects.create(
        store=conversation.store,
        conversation=conversation,
        message=message,
        kind=kind,
        status=ActionStatus.EXECUTED,
        idempotency_key=f"test:{conversation.pk}:{kind}",
        executed_at=timezone.now() - timedelta(minutes=5),
        **fields,
    )


def _deliver(reply: Message) -> None:
    """What the reply hooks do on commit for an SMS or email conversation."""
    queue_sms_reply(reply.pk)
    queue_email_reply(reply.pk)


def _rows(conversation: Conversation, channel: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(conversation=conversation, channel=channel))


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
def test_the_agents_reply_announcing_an_action_is_the_only_message_on_its_channel(
    store: Store, channel: str
) -> None:
    conversation = _conversation(store, channel)
    action = _done(conversation, ActionKind.CANCEL_ORDER, parameters={"order_name": "#1001"})
    reply = message_add_assistant(
        conversation, "Done: order #1001 is cancelled.", metadata={"action_ids": [action.pk]}
    )
    _deliver(reply)

    assert notify_action_done(action.pk) is None
    sweep_notifications()
    [row] = _rows(conversation, channel)
    assert row.message_id == reply.pk


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
def test_a_reply_written_before_the_action_was_done_does_not_stand_for_the_notice(
    store: Store, channel: str
) -> None:
    """The reply that said "waiting for approval" carries the action too, but told nothing of
    its being done: the notice is the announcement then."""
    conversation = _conversation(store, channel)
    action = _done(conversation, ActionKind.CANCEL_ORDER, parameters={"order_name": "#1001"})
    waiting = message_add_assistant(
        conversation, "A person will approve it.", metadata={"action_ids": [action.pk]}
    )
    Message.objects.filter(pk=waiting.pk).update(
        created_at=action.executed_at - timedelta(minutes=1)
    )
    _deliver(waiting)

    sweep_notifications()
    notices = [r for r in _rows(conversation, channel) if r.message_id is None]
    assert len(notices) == 1
    assert "cancelled" in notices[0].body


def test_a_notice_waits_for_the_turn_that_carried_the_action_out(store: Store) -> None:
    conversation = _conversation(store, Channel.SMS)
    action = _done(conversation, ActionKind.CANCEL_ORDER)
    AgentAction.objects.filter(pk=action.pk).update(executed_at=timezone.now())
    assert pending_action_ids(timezone.now()) == []
    assert pending_action_ids(timezone.now() + timedelta(minutes=3)) == [action.pk]


def _label(conversation: Conversation) -> AgentAction:
    """A label bought for an order whose address the customer proved (as a signed-in one)."""
    Conversation.objects.filter(pk=conversation.pk).update(
        customer_email=CUSTOMER_EMAIL, customer_verified=True
    )
    order = OrderFactory(store=conversation.store, email=CUSTOMER_EMAIL, name="#1002")
    return _done(
        conversation,
        ActionKind.RETURN_LABEL,
        order=order,
        parameters={"order_name": "#1002"},
        result={
            "label_url": "https://labels.example.com/l/1.pdf",
            "tracking_code": "9400100000000000000000",
            "carrier": "USPS",
            "service": "Priority",
            "cost": "7.10",
            "currency": "USD",
        },
    )


def test_on_web_chat_the_label_is_emailed_once_by_the_return_flow_not_again_as_a_notice(
    store: Store,
) -> None:
    notification_settings_update(store=store, switches={"web_by_email": True})
    conversation = _conversation(store, Channel.WEB)
    label = _label(conversation)

    assert label_told_once(label)
    assert pending_action_ids(timezone.now()) == []
    sweep_notifications()
    notify_action_done(label.pk)

    [email] = _rows(conversation, Channel.EMAIL)
    assert email.recipient == CUSTOMER_EMAIL
    assert "https://labels.example.com/l/1.pdf" in email.body


def test_in_an_email_conversation_the_label_is_one_email_in_the_thread(store: Store) -> None:
    conversation = _conversation(store, Channel.EMAIL)
    label = _label(conversation)

    assert label_told_once(label)
    posted = Message.objects.get(conversation=conversation, metadata__kind="return_label")
    _deliver(posted)
    sweep_notifications()
    notify_action_done(label.pk)

    [email] = _rows(conversation, Channel.EMAIL)
    assert email.message_id == posted.pk  # the thread's reply, In-Reply-To and all
    assert email.envelope["headers"]["In-Reply-To"] == "<m1@x>"


def test_in_an_sms_conversation_the_label_is_one_text_and_one_email(store: Store) -> None:
    conversation = _conversation(store, Channel.SMS)
    label = _label(conversation)

    assert label_told_once(label)
    posted = Message.objects.get(conversation=conversation, metadata__kind="return_label")
    _deliver(posted)
    sweep_notifications()
    notify_action_done(label.pk)

    [text] = _rows(conversation, Channel.SMS)
    [email] = _rows(conversation, Channel.EMAIL)
    assert text.message_id == posted.pk
    assert email.recipient == CUSTOMER_EMAIL
