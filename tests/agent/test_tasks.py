"""The task around the pipeline: once per message, in order, silent for people, bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from apps.agent.tasks import conversation_lock_name, handle_message
from apps.chat.services import message_add_customer
from apps.conversations import hooks
from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.core.locks import LockTimeout, named_lock
from apps.orders.models import Order
from apps.stores.models import Store

TRACKING_1001 = "1Z999AA10123456784"


def replies(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.filter(role=MessageRole.ASSISTANT).order_by("pk"))


def customer_message(conversation: Conversation, text: str) -> Message:
    """A raw row, as another channel (email, SMS) might store it, bypassing the API's checks."""
    return Message.objects.create(
        store=conversation.store, conversation=conversation, role=MessageRole.CUSTOMER, text=text
    )


@pytest.mark.django_db
def test_the_same_task_delivered_twice_gives_one_reply_and_one_refund(
    start: Callable[..., Conversation], demo_store: Store
) -> None:
    conversation = start(email="jane@example.com")
    handle_message(message_add_customer(conversation, "refund order 1002").pk)
    yes = message_add_customer(conversation, "yes")

    handle_message(yes.pk)
    handle_message(yes.pk)

    assert Message.objects.filter(reply_to=yes).count() == 1
    assert AgentAction.objects.filter(kind=ActionKind.REFUND).count() == 1
    assert Order.objects.get(store=demo_store, number=1002).total_refunded == Decimal("45.00")
    assert len(replies(conversation)) == 2


@pytest.mark.django_db
def test_a_later_message_answers_the_earlier_ones_first(
    start: Callable[..., Conversation],
) -> None:
    conversation = start(email="jane@example.com")
    first = message_add_customer(conversation, "where is my order?")
    second = message_add_customer(conversation, "it's order 1001")

    handle_message(second.pk)  # delivered first
    handle_message(first.pk)  # nothing left to do

    answered = replies(conversation)
    assert [m.reply_to_id for m in answered] == [first.pk, second.pk]
    assert "order number" in answered[0].text
    assert TRACKING_1001 in answered[1].text


@pytest.mark.django_db(transaction=True)
def test_two_messages_arriving_at_once_are_answered_once_each_in_order(
    start: Callable[..., Conversation],
) -> None:
    conversation = start(email="jane@example.com")
    first = customer_message(conversation, "where is my order?")
    second = customer_message(conversation, "order 1001")
    barrier = threading.Barrier(2)

    def deliver(message_id: int) -> None:
        try:
            barrier.wait()
            handle_message(message_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(m.pk,)) for m in (second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    answered = replies(conversation)
    assert [m.reply_to_id for m in answered] == [first.pk, second.pk]
    assert TRACKING_1001 in answered[1].text


@pytest.mark.django_db
def test_a_busy_conversation_is_not_dropped(start: Callable[..., Conversation]) -> None:
    conversation = start()
    message = message_add_customer(conversation, "hi")
    with (
        named_lock(conversation_lock_name(conversation.pk), timeout=30),
        pytest.raises(LockTimeout),
    ):
        # Called directly, Celery's retry re-raises the cause; a worker retries it later
        # (the end-to-end test covers that path).
        handle_message(message.pk)
    message.refresh_from_db()
    assert message.handled_at is None
    assert replies(conversation) == []


@pytest.mark.django_db
def test_the_ai_stays_silent_while_people_handle_the_conversation(
    start: Callable[..., Conversation],
) -> None:
    conversation = start(email="jane@example.com")
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.HUMAN_HANDLING)
    message = message_add_customer(conversation, "where is order 1001")

    handle_message(message.pk)

    message.refresh_from_db()
    assert message.handled_at is not None
    assert replies(conversation) == []
    assert not AgentAction.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [("x" * 5000, "too long"), ("   \n ", "didn't catch")],
    ids=["oversized_case", "blank_case"],
)
def test_oversized_and_empty_messages_get_a_plain_answer_and_nothing_else(
    start: Callable[..., Conversation], text: str, expected: str
) -> None:
    conversation = start(email="jane@example.com")
    message = customer_message(conversation, text)

    handle_message(message.pk)

    (reply,) = replies(conversation)
    assert expected in reply.text
    assert not AgentAction.objects.exists()
    conversation.refresh_from_db()
    assert conversation.state == {}


@pytest.mark.django_db
def test_a_turn_that_overruns_its_time_limit_gets_an_apology_not_silence(
    start: Callable[..., Conversation], use_provider: Callable[[str], None]
) -> None:
    use_provider("StalledProvider")
    conversation = start(email="jane@example.com")
    message = message_add_customer(conversation, "where is order 1001")

    handle_message(message.pk)
    handle_message(message.pk)

    (reply,) = replies(conversation)
    assert "couldn't finish" in reply.text
    assert TRACKING_1001 not in reply.text


@pytest.mark.django_db
def test_messages_that_are_not_the_customers_are_ignored(
    start: Callable[..., Conversation],
) -> None:
    conversation = start()
    note = Message.objects.create(
        store=conversation.store,
        conversation=conversation,
        role=MessageRole.HUMAN_AGENT,
        text="hello",
    )
    handle_message(note.pk)
    handle_message(999_999_999)
    assert replies(conversation) == []


@pytest.mark.django_db
def test_reply_hooks_receive_each_committed_reply(
    start: Callable[..., Conversation], django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    seen: list[int] = []
    hooks.register_reply_hook(seen.append)
    try:
        conversation = start()
        message = customer_message(conversation, "hi")
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            handle_message(message.pk)
    finally:
        hooks.unregister_reply_hook(seen.append)
    assert seen == [Message.objects.get(reply_to=message).pk]


@pytest.mark.django_db
def test_a_failing_reply_hook_does_not_undo_the_reply(
    start: Callable[..., Conversation], django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    def broken(message_id: int) -> None:
        raise RuntimeError("helpdesk down")

    hooks.register_reply_hook(broken)
    try:
        conversation = start()
        message = customer_message(conversation, "hi")
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            handle_message(message.pk)
    finally:
        hooks.unregister_reply_hook(broken)
    assert len(replies(conversation)) == 1


@pytest.mark.django_db
def test_running_the_pipeline_twice_returns_the_first_result(
    start: Callable[..., Conversation],
) -> None:
    from apps.agent.pipeline import run_turn

    message = message_add_customer(start(email="jane@example.com"), "where is order 1001")
    first = run_turn(message)
    again = run_turn(message)

    assert again.reply == first.reply
    assert (again.intent, again.escalated) == (first.intent, first.escalated)
    assert [a.pk for a in again.actions] == [a.pk for a in first.actions]
    assert AgentAction.objects.count() == len(first.actions) == 2
