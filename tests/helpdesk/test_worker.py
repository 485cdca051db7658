"""The escalation path end to end on a real Celery worker, against the Gorgias stand-in over
real HTTP: the customer asks for a person → the worker opens the ticket with the transcript
and the team's note → a person replies in Gorgias (its webhook) → the worker confirms the
message with Gorgias's API and hands the conversation to people → the reply is in the chat,
and the customer's next messages get no AI answer and no action."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client

from apps.conversations.models import AgentAction, ConversationStatus, Message, MessageRole
from apps.helpdesk.events import TOKEN_CONFIG_KEY, webhook_path_token
from apps.helpdesk.models import HelpdeskThread
from apps.integrations.commerce.demo import seed_demo_store
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus
from standins.helpdesk.fake_gorgias import FakeGorgias
from standins.helpdesk.server import HelpdeskServer
from tests.chat.chat_api import post_json, widget_messages_url, widget_start

pytestmark = pytest.mark.worker

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def gorgias() -> Iterator[HelpdeskServer]:
    fake = FakeGorgias("northwind", bot_id="7001", agent_id="7002", secret=SECRET)
    with HelpdeskServer({"gorgias": fake}) as server:
        yield server


@pytest.fixture
def celery_worker_env(gorgias: HelpdeskServer) -> dict[str, str]:
    return {"HELPDESK_API_BASES": gorgias.api_bases()}


def test_escalation_ticket_human_reply_and_silence_through_the_worker(
    gorgias: HelpdeskServer, celery_worker_process, client: Client
) -> None:  # type: ignore[no-untyped-def]
    fake = gorgias.fakes["gorgias"]
    store = seed_demo_store()
    credential = IntegrationCredential.objects.create(
        store=store,
        provider="gorgias",
        config=Secret(
            json.dumps(
                {
                    "subdomain": "northwind",
                    "email": "owner@merchant.test",
                    "api_key": fake.token,
                    "bot_actor_id": "7001",
                    "webhook_secret": SECRET,
                    TOKEN_CONFIG_KEY: "tok-0123456789abcdefghij",
                }
            )
        ),
        status=IntegrationStatus.CONNECTED,
    )
    chat = widget_start(client, store)
    worker = celery_worker_process

    def say(text: str) -> int:
        sent = post_json(client, widget_messages_url(store, *chat), {"text": text})
        assert sent.status_code == 201, sent.content
        return int(sent.json()["message"]["id"])

    def handled(message_id: int) -> bool:
        return Message.objects.filter(pk=message_id, handled_at__isnull=False).exists()

    asked = say("I want to talk to a person")
    worker.wait_until(lambda: handled(asked), timeout=30, what="the handoff turn")
    worker.wait_until(
        lambda: any(len(t.messages) >= 3 for t in fake.threads.values()),
        timeout=30,
        what="the ticket with the transcript and the team's note",
    )
    [ticket] = fake.threads.values()
    customer, ours, note = ticket.messages[:3]
    assert customer.body == "I want to talk to a person"
    assert "a person will reply" in ours.body.lower()
    assert not ours.notified  # the widget showed it: Gorgias must not send it again
    assert "Aftersale handed this conversation to your team." in note.body
    assert not note.public
    assert "aftersale" in ticket.tags
    assert HelpdeskThread.objects.get(conversation_id=chat[0]).thread_id == ticket.id

    reply = fake.agent_writes(ticket.id, "agent", public=True, body="Maria here, on it!")
    url = f"/webhooks/helpdesk/gorgias/{webhook_path_token(credential)}"
    request = fake.deliver(fake.message_webhook(ticket.id, reply))
    response = client.post(
        url, data=request.body, content_type="application/json", headers=dict(request.headers)
    )
    assert response.status_code == 200, response.content

    def human_reply_shown() -> bool:
        shown = client.get(widget_messages_url(store, *chat)).json()["messages"]
        return any(m["role"] == MessageRole.HUMAN_AGENT and m["author"] == "Maria" for m in shown)

    worker.wait_until(human_reply_shown, timeout=30, what="the person's reply in the chat")
    conversation = credential.store.conversations.get(pk=chat[0])
    assert conversation.status == ConversationStatus.HUMAN_HANDLING

    answers = conversation.messages.filter(role=MessageRole.ASSISTANT).count()
    actions = AgentAction.objects.filter(conversation=conversation).count()
    later = say("ok, and please refund order #1001, jane@example.com")
    worker.wait_until(lambda: handled(later), timeout=30, what="the silent turn")
    assert conversation.messages.filter(role=MessageRole.ASSISTANT).count() == answers
    assert AgentAction.objects.filter(conversation=conversation).count() == actions
    # The customer's message still reaches the person, in the ticket.
    worker.wait_until(
        lambda: ticket.messages[-1].body.startswith("ok, and please refund"),
        timeout=30,
        what="the customer's message mirrored into the ticket",
    )
