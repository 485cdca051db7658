"""End to end through a real Celery worker, PostgreSQL and Redis: message in, reply out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.agent.tasks import conversation_lock_name
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    Message,
    MessageRole,
)
from apps.conversations.services import conversation_start
from apps.core.locks import named_lock
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order

pytestmark = pytest.mark.worker


def answered(message: Message) -> bool:
    return Message.objects.filter(reply_to=message).exists()


def reply_to(message: Message) -> Message:
    return Message.objects.get(reply_to=message, role=MessageRole.ASSISTANT)


@pytest.fixture
def jane(celery_worker_process: Any) -> Conversation:
    store = seed_demo_store()
    return conversation_start(store, Channel.WEB, customer_email="jane@example.com")


def test_a_full_turn_runs_in_the_worker(celery_worker_process: Any, jane: Conversation) -> None:
    message = message_add_customer(jane, "where is my order #1001?")  # enqueued on commit

    celery_worker_process.wait_until(lambda: answered(message), what="the agent's reply")

    reply = reply_to(message)
    assert "1Z999AA10123456784" in reply.text
    assert reply.metadata["intent"] == "order_status"
    kinds = set(AgentAction.objects.filter(conversation=jane).values_list("kind", "status"))
    assert kinds == {
        (ActionKind.LOOKUP_ORDER, ActionStatus.EXECUTED),
        (ActionKind.TRACK_SHIPMENT, ActionStatus.EXECUTED),
    }
    message.refresh_from_db()
    assert message.handled_at is not None


def test_a_refund_is_proposed_confirmed_and_executed_by_the_worker(
    celery_worker_process: Any, jane: Conversation
) -> None:
    ask = message_add_customer(jane, "I want a refund for order 1002")
    celery_worker_process.wait_until(lambda: answered(ask), what="the proposal")
    yes = message_add_customer(jane, "yes")
    celery_worker_process.wait_until(lambda: answered(yes), what="the confirmation")

    refund = AgentAction.objects.get(conversation=jane, kind=ActionKind.REFUND)
    assert (refund.status, refund.amount) == (ActionStatus.EXECUTED, Decimal("45.00"))
    assert Order.objects.get(store=jane.store, number=1002).total_refunded == Decimal("45.00")
    assert "refunded $45.00" in reply_to(yes).text


def test_a_message_for_a_busy_conversation_is_retried_not_dropped(
    celery_worker_process: Any, jane: Conversation
) -> None:
    with named_lock(conversation_lock_name(jane.pk), timeout=60):
        message = message_add_customer(jane, "hello")
        celery_worker_process.wait_until(
            lambda: "Retry in" in celery_worker_process.log(), timeout=30, what="a retry"
        )
        assert not answered(message)

    celery_worker_process.wait_until(lambda: answered(message), what="the reply after the retry")
    assert Message.objects.filter(reply_to=message).count() == 1
