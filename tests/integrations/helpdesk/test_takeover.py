"""Human takeover, for each of the four helpdesks: a person's public reply in the helpdesk
silences the AI; our own echo, an internal note and the helpdesk's automation do not.

Each case plays the provider's webhook from its stand-in through verification, parsing
and hydration (as the webhook task does), then applies the one takeover rule.
"""

from __future__ import annotations

import json

import pytest

from apps.agent.tasks import handle_message
from apps.chat.services import message_add_customer
from apps.conversations.models import AgentAction, Conversation, ConversationStatus, MessageRole
from apps.conversations.takeover import Outcome, apply_helpdesk_event
from apps.integrations.helpdesk.base import HelpdeskEvent, MessageKind, OutMessage
from apps.stores.models import Store
from tests.integrations.helpdesk.conftest import HelpdeskWorld
from tests.integrations.helpdesk.test_contract import start

pytestmark = pytest.mark.django_db


def played(
    world: HelpdeskWorld, thread_id: str, author: str, *, public: bool = True
) -> HelpdeskEvent:
    message = world.standin.agent_writes(
        thread_id, author, public=public, body="<p>Hi Jane, Maria here.</p>"
    )
    request = world.standin.deliver(world.standin.message_webhook(thread_id, message))
    world.provider.verify_webhook(request)
    [event] = [
        world.provider.hydrate(e) for e in world.provider.parse_webhook(json.loads(request.body))
    ]
    return event


def customer_writes(conversation: Conversation, text: str) -> None:
    message = message_add_customer(conversation, text)
    handle_message(message.pk)


def assistant_replies(conversation: Conversation) -> int:
    return conversation.messages.filter(role=MessageRole.ASSISTANT).count()


@pytest.fixture
def conversation(store: Store, django_capture_on_commit_callbacks) -> Conversation:  # type: ignore[no-untyped-def]
    return Conversation.objects.create(
        store=store, status=ConversationStatus.AI_HANDLING, customer_email="jane@example.com"
    )


def test_a_human_reply_silences_the_ai_and_nothing_else_does(
    world: HelpdeskWorld, conversation: Conversation
):
    _, thread = start(world)
    ours = world.provider.post_message(
        thread, OutMessage("It is on its way.", MessageKind.REPLY), external_id="r-1"
    )

    # Control: the AI answers while nobody has taken over (so the silence below is real).
    customer_writes(conversation, "hello")
    assert assistant_replies(conversation) == 1

    for author, public in (("bot", True), ("agent", False), ("automation", True)):
        event = played(world, thread.id, author, public=public)
        assert apply_helpdesk_event(conversation, event, our_message_ids={ours}) is Outcome.IGNORED
        assert conversation.status == ConversationStatus.AI_HANDLING

    human = played(world, thread.id, "agent")
    assert apply_helpdesk_event(conversation, human, our_message_ids={ours}) is Outcome.TOOK_OVER
    assert conversation.status == ConversationStatus.HUMAN_HANDLING
    reply = conversation.messages.get(role=MessageRole.HUMAN_AGENT)
    assert reply.text == "Hi Jane, Maria here."  # what the widget shows, tags stripped
    assert reply.metadata["author"] == "Maria"
    # The same reply delivered again adds nothing.
    assert apply_helpdesk_event(conversation, human) is Outcome.IGNORED

    customer_writes(conversation, "I want a refund for order #1001, jane@example.com")
    customer_writes(conversation, "hello? can I cancel my order #1003 please")
    assert assistant_replies(conversation) == 1
    assert not AgentAction.objects.filter(conversation=conversation).exists()
    assert conversation.messages.filter(role=MessageRole.HUMAN_AGENT).count() == 1


def test_our_own_message_echoed_under_a_human_author_does_not_take_over(
    world: HelpdeskWorld, conversation: Conversation
):
    """Defence in depth: a message id our sync recorded is ours, whoever it is attributed to."""
    _, thread = start(world)
    event = played(world, thread.id, "agent")
    assert (
        apply_helpdesk_event(conversation, event, our_message_ids={event.message_id})
        is Outcome.IGNORED
    )
    assert conversation.status == ConversationStatus.AI_HANDLING


def test_a_thread_closed_in_the_helpdesk_resolves_the_conversation(
    world: HelpdeskWorld, conversation: Conversation
):
    _, thread = start(world)
    request = world.standin.deliver(world.standin.closed_webhook(thread.id))
    world.provider.verify_webhook(request)
    [event] = [
        world.provider.hydrate(e) for e in world.provider.parse_webhook(json.loads(request.body))
    ]
    assert apply_helpdesk_event(conversation, event) is Outcome.RESOLVED
    assert conversation.status == ConversationStatus.RESOLVED
    assert conversation.resolved_at is not None
