"""SendGrid Inbound Parse: an email becomes a customer message of an email conversation once,
threads by our token (never by address alone), is never answered when automatic, and the
agent's reply becomes one threaded outbox email."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.agent.pipeline import run_turn
from apps.conversations.email_reply import MAX_REPLIES_PER_HOUR, queue_email_reply
from apps.conversations.inbound import inbound_token
from apps.conversations.models import (
    Channel,
    Conversation,
    EmailThread,
    Message,
    MessageRole,
    OutboundMessage,
)
from apps.conversations.services import message_add_assistant
from apps.integrations.commerce.demo import seed_demo_store
from apps.integrations.connections import registry as connections
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks import inbound_email
from tests.webhooks.helpers import WorkerClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """Each POST followed by the worker's part: these tests are about what a message becomes."""
    return WorkerClient()


FROM_EMAIL = "help@shop.example.com"
DOMAIN = "reply.shop.example.com"
CUSTOMER = "jane@example.com"
QUOTED = (
    "Where is my order 1001?\n\nThanks,\nJane\n-- \nJane Doe\n\n"
    "On Mon, 1 Jun 2026 at 10:00, Shop <help@shop.example.com> wrote:\n"
    "> We shipped your order.\n> Anything else?\n"
)


@pytest.fixture(autouse=True)
def _sendgrid_connectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)


def _connect(store: Store) -> str:
    config = {
        "api_key": "SG.key-of-the-store-0123.abcdefghijklmnop",
        "from_email": FROM_EMAIL,
        "from_name": "Shop Support",
        "inbound_domain": DOMAIN,
        "region": "global",
    }
    IntegrationCredential.objects.create(
        store=store,
        provider="sendgrid",
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )
    return f"/inbound/email/{inbound_token(store, Channel.EMAIL)}"


def _form(
    *,
    text: str = QUOTED,
    sender: str = CUSTOMER,
    message_id: str = "<m1@mail.example.com>",
    to: str = f"support@{DOMAIN}",
    extra_headers: str = "",
    **fields: object,
) -> dict[str, object]:
    headers = f"From: Jane <{sender}>\nTo: {to}\nSubject: My order\n"
    if message_id:
        headers += f"Message-ID: {message_id}\n"
    form: dict[str, object] = {
        "headers": headers + extra_headers,
        "from": f"Jane <{sender}>",
        "to": to,
        "subject": "My order",
        "text": text,
        "envelope": json.dumps({"to": [to], "from": sender}),
        "charsets": json.dumps({"text": "UTF-8"}),
    }
    form.update(fields)
    return form


def test_an_email_with_quoted_history_becomes_one_customer_message(
    client: Client, store: Store
) -> None:
    path = _connect(store)

    assert client.post(path, _form()).status_code == 200

    conversation = Conversation.objects.get(store=store)
    assert (conversation.channel, conversation.customer_email) == (Channel.EMAIL, CUSTOMER)
    assert not conversation.customer_verified  # an address is a claim
    [message] = Message.objects.filter(conversation=conversation)
    assert message.text == "Where is my order 1001?\n\nThanks,\nJane"
    assert message.metadata["email"]["message_id"] == "<m1@mail.example.com>"
    thread = EmailThread.objects.get(conversation=conversation)
    assert (thread.customer_address, thread.subject) == (CUSTOMER, "My order")
    assert thread.last_message_id == "<m1@mail.example.com>"


def test_a_replayed_email_is_taken_once(client: Client, store: Store) -> None:
    path = _connect(store)
    client.post(path, _form())
    assert client.post(path, _form()).status_code == 200
    assert Message.objects.filter(store=store).count() == 1


def test_an_unknown_token_or_a_store_without_sendgrid_stores_nothing(
    client: Client, store: Store, other_store: Store
) -> None:
    _connect(store)
    assert client.post("/inbound/email/not-a-token", _form()).status_code == 404
    unconnected = f"/inbound/email/{inbound_token(other_store, Channel.EMAIL)}"
    assert client.post(unconnected, _form()).status_code == 404
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("sender", "extra_headers"),
    [
        pytest.param(CUSTOMER, "Auto-Submitted: auto-replied\n", id="auto_submitted_case"),
        pytest.param(CUSTOMER, "Precedence: bulk\n", id="precedence_bulk_case"),
        pytest.param(CUSTOMER, "Precedence: junk\n", id="precedence_junk_case"),
        pytest.param(CUSTOMER, "List-Id: <news.example.com>\n", id="list_case"),
        pytest.param("MAILER-DAEMON@mx.example.com", "", id="bounce_case"),
        pytest.param(FROM_EMAIL, "", id="our_own_from_case"),
        pytest.param(f"support+abc@{DOMAIN}", "", id="our_inbound_domain_case"),
    ],
)
def test_mail_no_person_wrote_is_never_answered(
    client: Client, store: Store, sender: str, extra_headers: str
) -> None:
    path = _connect(store)
    response = client.post(path, _form(sender=sender, extra_headers=extra_headers))
    assert response.status_code == 200
    assert not Conversation.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_an_html_only_email_is_read_as_text(client: Client, store: Store) -> None:
    path = _connect(store)
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Can I return the "
        "hoodie?</p><blockquote>old stuff</blockquote></body></html>"
    )
    client.post(path, _form(text="", html=html))
    assert Message.objects.get(store=store).text == "Can I return the hoodie?"


def test_a_reply_to_our_thread_address_from_the_same_sender_continues_it(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    client.post(path, _form())
    thread = EmailThread.objects.get()
    reply_to = f"support+{thread.token}@{DOMAIN}"

    client.post(path, _form(text="It is 1001.", message_id="<m2@x>", to=reply_to))

    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation=thread.conversation).count() == 2
    thread.refresh_from_db()
    assert thread.last_message_id == "<m2@x>"
    assert thread.references == ["<m1@mail.example.com>", "<m2@x>"]


def test_a_reply_quoting_our_message_id_continues_the_thread(client: Client, store: Store) -> None:
    path = _connect(store)
    client.post(path, _form())
    thread = EmailThread.objects.get()
    ours = f"<reply-9.t{thread.token}@{DOMAIN}>"
    client.post(
        path,
        _form(
            text="Thanks",
            message_id="<m3@x>",
            to="help@shop.example.com",
            extra_headers=f"In-Reply-To: {ours}\nReferences: <m1@mail.example.com> {ours}\n",
        ),
    )
    assert Conversation.objects.count() == 1


def test_the_same_address_without_our_token_starts_a_new_conversation(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    client.post(path, _form())
    client.post(path, _form(text="Another question", message_id="<m4@x>"))
    assert Conversation.objects.count() == 2


def test_someone_else_using_the_thread_token_gets_their_own_conversation(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    client.post(path, _form())
    thread = EmailThread.objects.get()
    reply_to = f"support+{thread.token}@{DOMAIN}"
    client.post(path, _form(sender="mallory@example.net", message_id="<m5@x>", to=reply_to))
    assert Conversation.objects.count() == 2
    assert Message.objects.filter(conversation=thread.conversation).count() == 1


def test_another_stores_thread_token_is_not_followed(
    client: Client, store: Store, other_store: Store
) -> None:
    _connect(other_store)
    client.post(f"/inbound/email/{inbound_token(other_store, Channel.EMAIL)}", _form())
    foreign = EmailThread.objects.get()
    path = _connect(store)
    client.post(path, _form(message_id="<m6@x>", to=f"support+{foreign.token}@{DOMAIN}"))
    mine = Conversation.objects.get(store=store)
    assert mine.pk != foreign.conversation_id


def test_attachments_are_noted_and_never_stored(client: Client, store: Store) -> None:
    path = _connect(store)
    upload = SimpleUploadedFile("receipt.pdf", b"%PDF" + b"x" * 5000, "application/pdf")
    client.post(path, _form(attachments="1", attachment1=upload))
    message = Message.objects.get(store=store)
    assert message.metadata["email"]["attachments"] == [
        {"name": "receipt.pdf", "type": "application/pdf", "size": 5004}
    ]


def test_a_huge_email_is_answered_politely_and_never_read(client: Client, store: Store) -> None:
    path = _connect(store)
    client.post(path, _form(text="words " * 40_000))
    assert not Message.objects.exists()
    [row] = OutboundMessage.objects.all()
    assert row.recipient == CUSTOMER
    assert "too large" in row.body
    assert row.envelope["headers"]["In-Reply-To"] == "<m1@mail.example.com>"


def test_a_request_over_the_bound_is_refused_unread(
    client: Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _connect(store)
    monkeypatch.setattr(inbound_email, "MAX_REQUEST_BYTES", 10_000)
    assert client.post(path, _form(text="x" * 20_000)).status_code == 413
    assert not Conversation.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_a_malformed_sender_is_refused(client: Client, store: Store) -> None:
    path = _connect(store)
    response = client.post(path, {"from": "not an address", "text": "hi", "headers": ""})
    assert response.status_code == 400
    assert not Conversation.objects.exists()


def test_the_agents_reply_is_one_email_in_the_customers_thread(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    client.post(path, _form())
    thread = EmailThread.objects.get()
    reply = message_add_assistant(thread.conversation, "Your order **1001** is on its way.")

    queue_email_reply(reply.pk)
    queue_email_reply(reply.pk)  # a hook run twice

    [row] = OutboundMessage.objects.all()
    assert (row.channel, row.recipient, row.subject) == (Channel.EMAIL, CUSTOMER, "Re: My order")
    assert row.envelope["reply_to"] == f"support+{thread.token}@{DOMAIN}"
    assert row.envelope["from_name"] == "Shop Support"
    headers = row.envelope["headers"]
    assert headers["In-Reply-To"] == "<m1@mail.example.com>"
    assert headers["Message-ID"] == f"<reply-{reply.pk}.t{thread.token}@{DOMAIN}>"
    assert headers["Auto-Submitted"] == "auto-replied"
    assert row.body.startswith("Your order **1001** is on its way.")
    assert "<p>" in row.html


def test_a_thread_answered_too_often_in_an_hour_stops_being_answered(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    client.post(path, _form())
    thread = EmailThread.objects.get()
    for _ in range(MAX_REPLIES_PER_HOUR + 2):
        queue_email_reply(message_add_assistant(thread.conversation, "Hello").pk)
    assert OutboundMessage.objects.count() == MAX_REPLIES_PER_HOUR


def test_a_customer_message_on_web_chat_is_never_emailed(store: Store) -> None:
    from apps.conversations.services import conversation_start

    conversation = conversation_start(store, Channel.WEB, customer_email=CUSTOMER)
    queue_email_reply(message_add_assistant(conversation, "Hi").pk)
    assert not OutboundMessage.objects.exists()


def _answer(client: Client, sender: str, text: str) -> str:
    store = seed_demo_store()
    path = _connect(store)
    client.post(path, _form(sender=sender, text=text))
    message = Message.objects.get(store=store, role=MessageRole.CUSTOMER)
    return run_turn(message).reply.text


def test_the_orders_address_with_its_number_shows_the_order(client: Client) -> None:
    assert "in transit" in _answer(client, CUSTOMER, "Where is order 1001?")


def test_another_address_with_the_order_number_sees_nothing(client: Client) -> None:
    reply = _answer(client, "someone@example.net", "Where is order 1001?")
    assert "in transit" not in reply
    assert "Hoodie" not in reply
