"""Per-turn cost: a handful of queries whatever the skill (no N+1), so p95 stays low."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.agent.pipeline import run_turn
from apps.chat.services import message_add_customer
from apps.conversations.models import Conversation

pytestmark = pytest.mark.django_db

# Load + settings, the platform's reads, the actions, the reply, the bookkeeping, and whether
# the conversation is mirrored into a helpdesk (its sync rows join the reply's transaction).
MAX_QUERIES_PER_TURN = 13


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "where is my order #1001",
        "where is my order #1005",
        "do you have the classic hoodie in XL?",
        "what's your shipping policy?",
        "refund order 1002",
        "cancel order 1003",
        "can I return order 1009",
        "I want to talk to a person",
    ],
)
def test_a_turn_costs_a_bounded_number_of_queries(
    start: Callable[..., Conversation], text: str
) -> None:
    email = "sam@example.com" if "1005" in text else "jane@example.com"
    if "1009" in text:
        email = "priya@example.com"
    message = message_add_customer(start(email=email), text)
    with CaptureQueriesContext(connection) as queries:
        result = run_turn(message)
    assert result.reply is not None
    assert len(queries.captured_queries) <= MAX_QUERIES_PER_TURN, [
        q["sql"][:120] for q in queries.captured_queries
    ]


def test_a_follow_up_turn_on_the_order_in_focus_is_not_dearer(
    start: Callable[..., Conversation],
) -> None:
    conversation = start(email="jane@example.com")
    run_turn(message_add_customer(conversation, "where is my order #1001"))
    message = message_add_customer(conversation, "and when will it arrive?")
    with CaptureQueriesContext(connection) as queries:
        run_turn(message)
    assert len(queries.captured_queries) <= MAX_QUERIES_PER_TURN
