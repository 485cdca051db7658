"""Conversation services: start, add messages, hand to people; the agent is enqueued on commit."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from apps.chat.services import message_add_customer
from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.conversations.services import (
    MessageRejected,
    conversation_set_status,
    conversation_start,
    message_add_human_agent,
    message_save_customer,
)
from apps.core.redis import get_redis
from apps.stores.models import Store

pytestmark = pytest.mark.django_db


def queued_tasks() -> list[tuple[str, str]]:
    """(task name, args) of every task waiting in the broker's queues (default and chat)."""
    client = get_redis()
    assert client is not None
    found = []
    for raw in client.lrange("celery", 0, -1) + client.lrange("chat", 0, -1):
        headers = json.loads(raw)["headers"]
        found.append((headers["task"], headers["argsrepr"]))
    return found


def test_a_conversation_keeps_only_a_verified_customer_id_as_verified(store: Store) -> None:
    claimed = conversation_start(store, customer_email=" Jane@Example.COM ", customer_verified=True)
    verified = conversation_start(
        store, customer_platform_id="gid://shopify/Customer/7", customer_verified=True
    )
    assert (claimed.customer_email, claimed.customer_verified) == ("jane@example.com", False)
    assert (verified.customer_platform_id, verified.customer_verified) == (
        "gid://shopify/Customer/7",
        True,
    )
    assert claimed.status == ConversationStatus.OPEN
    assert claimed.store == store


def test_an_unknown_channel_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="channel"):
        conversation_start(store, "fax")
    assert not Conversation.objects.exists()


def test_a_customer_message_is_saved_and_the_agent_enqueued_on_commit(
    store: Store, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    conversation = conversation_start(store)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        message = message_add_customer(conversation, "  where is my order?  ")

    assert (message.role, message.text, message.store_id) == (
        MessageRole.CUSTOMER,
        "where is my order?",
        store.pk,
    )
    assert queued_tasks() == [("apps.agent.tasks.handle_message", f"({message.pk},)")]
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at


def test_saving_a_customer_message_asks_nobody_to_answer_it(
    store: Store, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    """Only the channel a message came in on hands it to the agent (apps.chat.services)."""
    conversation = conversation_start(store)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        message, created = message_save_customer(conversation, "where is my order?")

    assert created
    assert message.role == MessageRole.CUSTOMER
    assert callbacks == []
    assert queued_tasks() == []


def test_nothing_is_enqueued_before_the_transaction_commits(store: Store) -> None:
    conversation = conversation_start(store)
    message_add_customer(conversation, "hello")  # the test's transaction never commits
    assert queued_tasks() == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("x" * (MAX_MESSAGE_LENGTH + 1), "too_long"),
        (None, "empty"),
    ],
    ids=["empty_case", "blank_case", "long_case", "none_case"],
)
def test_an_empty_or_oversized_message_is_refused_and_nothing_changes(
    store: Store,
    django_capture_on_commit_callbacks: Callable[..., object],
    text: object,
    code: str,
) -> None:
    conversation = conversation_start(store)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(MessageRejected) as err:  # type: ignore[operator]
        message_add_customer(conversation, text)  # type: ignore[arg-type]
    assert err.value.code == code
    assert not Message.objects.exists()
    assert queued_tasks() == []
    conversation.refresh_from_db()
    assert conversation.last_message_at is None


def test_a_message_of_exactly_the_limit_is_accepted(store: Store) -> None:
    conversation = conversation_start(store)
    assert (
        len(message_add_customer(conversation, "y" * MAX_MESSAGE_LENGTH).text) == MAX_MESSAGE_LENGTH
    )


def test_a_human_reply_silences_the_ai(store: Store) -> None:
    conversation = conversation_start(store)
    message_add_human_agent(conversation, "Hi, this is Sam from the team.", author="sam")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING


def test_a_customer_writing_again_reopens_a_resolved_conversation(store: Store) -> None:
    conversation = conversation_start(store)
    conversation_set_status(conversation, ConversationStatus.RESOLVED)
    assert conversation.resolved_at is not None
    message_add_customer(conversation, "one more thing")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN


def test_a_customer_message_does_not_take_a_conversation_back_from_people(store: Store) -> None:
    conversation = conversation_start(store)
    message_add_human_agent(conversation, "We're on it.")
    message_add_customer(conversation, "thanks")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING


def test_an_unknown_status_is_refused(store: Store) -> None:
    conversation = conversation_start(store)
    with pytest.raises(ValueError, match="status"):
        conversation_set_status(conversation, "archived")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN


def test_answers_go_to_the_chat_queue_so_a_webhook_backlog_never_delays_them(
    store: Store, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    client = get_redis()
    assert client is not None
    conversation = conversation_start(store)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        message_add_customer(conversation, "hello")

    assert client.llen("celery") == 0
    assert [json.loads(raw)["headers"]["task"] for raw in client.lrange("chat", 0, -1)] == [
        "apps.agent.tasks.handle_message"
    ]
