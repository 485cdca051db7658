"""The proof of human takeover, for each of the four helpdesks, through the real endpoints:
a person's public reply arrives as the helpdesk's webhook; from then on the customer's
messages (questions, refund and cancellation requests, a "yes") get no assistant message
and no action, and the person's reply is what the chat shows, signed with their first name.
"""

from __future__ import annotations

import pytest
from django.test import Client

from apps.agent.tasks import handle_message
from apps.conversations.models import AgentAction, Conversation, ConversationStatus, MessageRole
from apps.helpdesk.models import HelpdeskThread
from apps.stores.models import IntegrationCredential, Store
from apps.webhooks.models import WebhookEvent
from apps.webhooks.tasks import process_webhook_event
from tests.chat.chat_api import post_json, proxy_messages_url, proxy_start
from tests.helpdesk.test_webhooks import credential, post  # noqa: F401, F811  (fixture)
from tests.integrations.helpdesk.conftest import HelpdeskWorld
from tests.integrations.helpdesk.test_contract import start

pytestmark = pytest.mark.django_db


def customer_says(client: Client, store: Store, chat: tuple[int, str], text: str) -> None:
    response = post_json(client, proxy_messages_url(store, *chat), {"text": text})
    assert response.status_code == 201, response.content
    handle_message(response.json()["message"]["id"])  # what the worker runs for it


def test_after_a_human_reply_in_the_helpdesk_the_ai_answers_and_does_nothing(
    client: Client,
    store: Store,
    world: HelpdeskWorld,
    credential: IntegrationCredential,  # noqa: F811
):
    chat = proxy_start(client, store)
    conversation = Conversation.objects.get(pk=chat[0])
    _, thread = start(world)
    HelpdeskThread.objects.create(
        store=store,
        conversation=conversation,
        provider=world.name,
        external_id=f"conv-{conversation.pk}",
        thread_id=thread.id,
        customer_ref=thread.customer_id,
    )
    customer_says(client, store, chat, "hello")
    replies = conversation.messages.filter(role=MessageRole.ASSISTANT)
    assert replies.count() == 1  # the control: the AI answers until a person steps in
    actions_before = AgentAction.objects.filter(conversation=conversation).count()

    message = world.standin.agent_writes(
        thread.id, "agent", public=True, body="<p>Hi, Maria here. I'm on it.</p>"
    )
    assert post(client, world, credential, world.standin.message_webhook(thread.id, message)).json()
    [event] = WebhookEvent.objects.all()
    process_webhook_event(event.pk)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING

    for text in (
        "I want a refund for order #1001, my email is jane@example.com",
        "yes",
        "please cancel order #1003",
        "where is my order?",
    ):
        customer_says(client, store, chat, text)
    assert replies.count() == 1
    assert AgentAction.objects.filter(conversation=conversation).count() == actions_before
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING

    shown = client.get(proxy_messages_url(store, *chat)).json()["messages"]
    people = [m for m in shown if m["role"] == MessageRole.HUMAN_AGENT]
    assert [(m["author"], m["text"]) for m in people] == [("Maria", "Hi, Maria here. I'm on it.")]
