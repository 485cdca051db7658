"""A customer message is stored once and acknowledged even when the broker is down.

The widget sends a client-generated `client_message_id` with every message POST and the
same id again on a retry; a retry returns the stored message instead of adding a second
copy (which the agent would answer twice).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.agent.tasks import sweep_unanswered_messages
from apps.chat.services import message_receive_customer
from apps.conversations.models import Message, MessageRole
from apps.conversations.services import conversation_start
from apps.stores.models import Platform
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    widget_messages_url,
    widget_start,
)
from tests.conversations.test_services import queued_tasks
from tests.factories import StoreFactory
from tests.webhooks.helpers import broker_unreachable

CLIENT_ID = "0b7f6a52-3c1e-4f0e-9a57-2f1d6c1f9e11"


@pytest.fixture
def shop(db):
    return StoreFactory(platform=Platform.DEMO, domain="outfitters.example.com")


def _send(client, shop, conversation, text, client_message_id=CLIENT_ID):
    body = {"text": text}
    if client_message_id is not None:
        body["client_message_id"] = client_message_id
    return post_json(client, widget_messages_url(shop, *conversation), body)


def _customer_messages() -> list[str]:
    return list(Message.objects.filter(role=MessageRole.CUSTOMER).values_list("text", flat=True))


def _answer_tasks() -> list[str]:
    return [args for task, args in queued_tasks() if task == "apps.agent.tasks.handle_message"]


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_while_the_broker_is_down_is_stored_acknowledged_and_swept_later(
    client, shop, caplog
):
    conversation = widget_start(client, shop)

    with broker_unreachable():
        sent = _send(client, shop, conversation, "where is my order?")

    assert sent.status_code == 201, sent.content
    message = Message.objects.get(role=MessageRole.CUSTOMER)
    assert sent.json()["message"]["id"] == message.pk
    assert message.handled_at is None
    assert _answer_tasks() == []
    assert "not enqueued (broker unavailable)" in caplog.text
    # The broker is back; the sweep finds the message once its grace has passed.
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert sweep_unanswered_messages() == 1
    assert _answer_tasks() == [f"({message.pk},)"]


@pytest.mark.django_db(transaction=True)
def test_try_again_after_a_failed_answer_adds_no_second_message(client, shop):
    conversation = widget_start(client, shop)

    first = _send(client, shop, conversation, "where is my order?")
    retry = _send(client, shop, conversation, "where is my order?")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["message"] == first.json()["message"]
    assert _customer_messages() == ["where is my order?"]
    assert _answer_tasks() == [f"({first.json()['message']['id']},)"]  # one answer, not two


def test_messages_without_an_id_or_with_distinct_ids_are_each_stored(client, shop):
    conversation = widget_start(client, shop)

    statuses = [
        _send(client, shop, conversation, "hi", client_message_id=None).status_code,
        _send(client, shop, conversation, "hi", client_message_id=None).status_code,
        _send(client, shop, conversation, "yes", client_message_id="a-1").status_code,
        _send(client, shop, conversation, "yes", client_message_id="a-2").status_code,
    ]

    assert statuses == [201, 201, 201, 201]
    assert _customer_messages() == ["hi", "hi", "yes", "yes"]


def test_the_same_id_in_another_conversation_is_another_message(client, shop):
    one = widget_start(client, shop)
    two = widget_start(client, shop)

    assert _send(client, shop, one, "hello").status_code == 201
    assert _send(client, shop, two, "hello").status_code == 201
    assert _customer_messages() == ["hello", "hello"]


def test_an_id_reused_for_a_different_text_is_refused(client, shop):
    conversation = widget_start(client, shop)
    _send(client, shop, conversation, "refund order 1002")

    reused = _send(client, shop, conversation, "cancel order 1003")

    assert_problem(reused, 409, "client_message_id_reused")
    assert _customer_messages() == ["refund order 1002"]


@pytest.mark.parametrize(
    "bad",
    ["", "x" * 65, "has space", "<script>", 12345, ["a"], "ü-umlaut"],
    ids=["empty_case", "long_case", "space_case", "markup_case", "int_case", "list_case",
         "non_ascii_case"],
)  # fmt: skip
def test_a_malformed_client_message_id_is_refused_and_nothing_stored(client, shop, bad):
    conversation = widget_start(client, shop)

    response = _send(client, shop, conversation, "hello", client_message_id=bad)

    assert_problem(response, 400, "invalid_client_message_id")
    assert _customer_messages() == []


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_retry_racing_store_one_message(shop):
    conversation = conversation_start(shop)
    barrier = threading.Barrier(4)
    results: list[tuple[int, bool]] = []

    def post() -> None:
        try:
            barrier.wait()
            message, created = message_receive_customer(
                conversation, "hello", client_message_id=CLIENT_ID
            )
            results.append((message.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert _customer_messages() == ["hello"]
