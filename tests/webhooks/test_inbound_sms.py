"""Twilio's inbound SMS webhook: verified over the public URL, once per MessageSid, keywords
honoured; the agent's reply becomes one outbox row."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from apps.conversations import outbox
from apps.conversations.inbound import inbound_token
from apps.conversations.models import (
    Channel,
    Conversation,
    Message,
    MessageRole,
    OutboundMessage,
    OutboundStatus,
    SmsOptOut,
)
from apps.conversations.services import conversation_start, message_add_assistant
from apps.conversations.sms import queue_sms_reply, sms_text, unqueued_replies
from apps.conversations.tasks import sweep_outbox
from apps.integrations.connections import registry as connections
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.webhooks.helpers import WorkerClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """Each POST followed by the worker's part: these tests are about what a message becomes."""
    return WorkerClient()


PUBLIC = "https://aftersale.example.com"
SID = "AC" + "1" * 32
TOKEN = "auth-token-of-the-store"
STORE_NUMBER = "+15005550006"
CUSTOMER = "+15551230001"


@pytest.fixture(autouse=True)
def _public_url(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings.APP_URL = PUBLIC
    monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)


def _connect(store: Store, sid: str = SID, token: str = TOKEN) -> str:
    IntegrationCredential.objects.create(
        store=store,
        provider="twilio",
        config=Secret(
            json.dumps({"account_sid": sid, "auth_token": token, "from_number": STORE_NUMBER})
        ),
        status=IntegrationStatus.CONNECTED,
    )
    return inbound_token(store, Channel.SMS)


def _params(body: str = "Where is my order #1001?", sid_suffix: str = "a") -> dict[str, str]:
    return {
        "MessageSid": "SM" + sid_suffix * 32,
        "AccountSid": SID,
        "From": CUSTOMER,
        "To": STORE_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "FromCountry": "US",  # Twilio adds fields freely: all are signed
    }


def _post(
    client: Client, path: str, params: dict[str, str], *, token: str = TOKEN, url: str = ""
) -> object:
    signature = RequestValidator(token).compute_signature(url or PUBLIC + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_signed_text_becomes_a_customer_message_of_an_sms_conversation(
    client: Client, store: Store
) -> None:
    path = f"/inbound/sms/{_connect(store)}"
    response = _post(client, path, _params())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Message" not in response.content  # the reply is sent later, by a task
    conversation = Conversation.objects.get(store=store)
    assert (conversation.channel, conversation.customer_phone) == (Channel.SMS, CUSTOMER)
    assert conversation.customer_verified is False  # a phone number is a claim
    [message] = Message.objects.filter(conversation=conversation)
    assert (message.role, message.text) == (MessageRole.CUSTOMER, "Where is my order #1001?")


def test_a_second_text_joins_the_open_conversation_and_a_replay_is_ignored(
    client: Client, store: Store
) -> None:
    path = f"/inbound/sms/{_connect(store)}"
    _post(client, path, _params())
    assert _post(client, path, _params()).status_code == 200  # Twilio's retry
    _post(client, path, _params("And my refund?", sid_suffix="b"))
    assert Conversation.objects.count() == 1
    assert list(Message.objects.values_list("text", flat=True)) == [
        "Where is my order #1001?",
        "And my refund?",
    ]


@pytest.mark.parametrize(
    "forge",
    ["wrong_token", "internal_url", "changed_body", "no_signature", "other_account"],
)
def test_a_forged_text_is_refused_and_nothing_is_stored(
    client: Client, store: Store, forge: str
) -> None:
    path = f"/inbound/sms/{_connect(store)}"
    params = _params()
    if forge == "wrong_token":
        response = _post(client, path, params, token="not-the-token")
    elif forge == "internal_url":  # signed for the host Django sees, not the public one
        response = _post(client, path, params, url=f"http://testserver{path}")
    elif forge == "changed_body":
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        response = client.post(
            path, {**params, "Body": "refund me"}, HTTP_X_TWILIO_SIGNATURE=signature
        )
    elif forge == "no_signature":
        response = client.post(path, params)
    else:
        response = _post(client, path, {**params, "AccountSid": "AC" + "2" * 32})
    assert response.status_code == 403
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()


def test_a_store_token_with_another_stores_credentials_is_refused(
    client: Client, store: Store, other_store: Store
) -> None:
    _connect(store)
    other_path = f"/inbound/sms/{_connect(other_store, token='other-store-token')}"
    assert (
        _post(client, other_path, _params()).status_code == 403
    )  # signed with the first store's token
    assert _post(client, "/inbound/sms/unknown-token", _params()).status_code == 404
    assert not Message.objects.exists()


def test_stop_is_recorded_never_answered_and_start_lifts_it(client: Client, store: Store) -> None:
    path = f"/inbound/sms/{_connect(store)}"
    _post(client, path, _params("Where is my order?"))
    assert _post(client, path, _params(" stop ", sid_suffix="b")).status_code == 200
    assert SmsOptOut.objects.get(store=store, phone=CUSTOMER).opted_out is True
    assert Message.objects.count() == 1  # the keyword is not a question for the agent

    conversation = Conversation.objects.get()
    reply = message_add_assistant(conversation, "It shipped.")
    queue_sms_reply(reply.pk)
    row = OutboundMessage.objects.get()
    assert outbox.send_outbound(row.pk) == OutboundStatus.FAILED
    row.refresh_from_db()
    assert row.error.startswith("unsubscribed")

    _post(client, path, _params("START", sid_suffix="c"))
    assert SmsOptOut.objects.get(store=store, phone=CUSTOMER).opted_out is False


def test_the_agents_reply_becomes_one_outbox_row_shaped_for_sms(store: Store) -> None:
    conversation = conversation_start(store, Channel.SMS, customer_phone=CUSTOMER)
    reply = message_add_assistant(
        conversation, "**Shipped!** Track it [here](https://track.example/1)."
    )
    queue_sms_reply(reply.pk)
    queue_sms_reply(reply.pk)  # a hook run twice
    [row] = OutboundMessage.objects.all()
    assert (row.channel, row.recipient, row.message_id) == (Channel.SMS, CUSTOMER, reply.pk)
    assert row.body == "Shipped! Track it here https://track.example/1."

    web = conversation_start(store, Channel.WEB)
    queue_sms_reply(message_add_assistant(web, "Hello").pk)
    assert OutboundMessage.objects.count() == 1


def test_a_long_reply_is_cut_at_a_sentence() -> None:
    text = "This sentence is here. " * 100
    cut = sms_text(text)
    assert len(cut) <= 1600
    assert cut.endswith(".…")


def test_a_reply_whose_hook_was_lost_is_found_by_the_sweep(store: Store) -> None:
    conversation = conversation_start(store, Channel.SMS, customer_phone=CUSTOMER)
    reply = message_add_assistant(conversation, "It shipped.")
    Message.objects.filter(pk=reply.pk).update(created_at=reply.created_at - timedelta(minutes=5))
    assert unqueued_replies(older_than=timedelta(minutes=2), within=timedelta(days=1)) == [reply.pk]
    sweep_outbox.run()
    assert OutboundMessage.objects.get().message_id == reply.pk
    assert unqueued_replies(older_than=timedelta(minutes=2), within=timedelta(days=1)) == []


def _sent_row(store: Store, sid: str) -> OutboundMessage:
    row = outbox.queue_sms(store=store, to=CUSTOMER, text="It shipped.", key=f"k-{sid}")
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENT, provider="twilio", provider_message_id=sid
    )
    return row


def test_status_callbacks_move_the_row_forward_only(client: Client, store: Store) -> None:
    path = f"/inbound/sms/{_connect(store)}/status"
    sid = "SM" + "c" * 32
    row = _sent_row(store, sid)
    status = {"MessageSid": sid, "AccountSid": SID, "MessageStatus": "delivered", "To": CUSTOMER}

    assert _post(client, path, status).status_code == 204
    row.refresh_from_db()
    assert row.status == OutboundStatus.DELIVERED
    assert row.delivered_at is not None
    _post(client, path, {**status, "MessageStatus": "sent"})  # late and out of order
    row.refresh_from_db()
    assert row.status == OutboundStatus.DELIVERED


def test_a_failed_delivery_is_recorded_with_its_code(client: Client, store: Store) -> None:
    path = f"/inbound/sms/{_connect(store)}/status"
    sid = "SM" + "d" * 32
    row = _sent_row(store, sid)
    params = {
        "MessageSid": sid,
        "AccountSid": SID,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
    }
    _post(client, path, params)
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED
    assert "30003" in row.error


def test_a_status_callback_is_verified_and_scoped_to_its_store(
    client: Client, store: Store, other_store: Store
) -> None:
    path = f"/inbound/sms/{_connect(store)}/status"
    other_path = f"/inbound/sms/{_connect(other_store, token='other-store-token')}/status"
    sid = "SM" + "e" * 32
    row = _sent_row(store, sid)
    status = {"MessageSid": sid, "AccountSid": SID, "MessageStatus": "delivered"}
    assert _post(client, path, status, token="forged").status_code == 403
    # Properly signed for the other store: it cannot touch this store's row.
    assert _post(client, other_path, status, token="other-store-token").status_code == 204
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT


def test_a_persons_reply_from_the_inbox_leaves_by_sms_once(store: Store) -> None:
    from apps.conversations.services import message_add_human_agent

    conversation = conversation_start(store, Channel.SMS, customer_phone=CUSTOMER)
    reply = message_add_human_agent(conversation, "Hi, Sam here: it **ships** today.")
    queue_sms_reply(reply.pk)
    queue_sms_reply(reply.pk)
    [row] = OutboundMessage.objects.filter(store=store)
    assert (row.recipient, row.body, row.message_id) == (
        CUSTOMER,
        "Hi, Sam here: it ships today.",
        reply.pk,
    )
