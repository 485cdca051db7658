"""No order detail to anyone who has not proven they own the order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.agent.state import ConversationState
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, ConversationStatus
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order
from tests.agent.conftest import Chat, say

pytestmark = pytest.mark.django_db

TRACKING_1001 = "1Z999AA10123456784"


def test_order_number_and_the_right_email_show_the_order(chat: Callable[..., Chat]) -> None:
    c = chat()
    asked = c("where is my order #1001?")
    assert "email" in asked.reply.text.lower()
    assert TRACKING_1001 not in asked.reply.text
    assert asked.actions == ()

    shown = c("jane@example.com")

    assert shown.intent == "order_status"
    assert TRACKING_1001 in shown.reply.text
    assert [(a.kind, a.status) for a in shown.actions] == [
        (ActionKind.LOOKUP_ORDER, ActionStatus.EXECUTED),
        (ActionKind.TRACK_SHIPMENT, ActionStatus.EXECUTED),
    ]
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    assert c.conversation.order_in_focus.name == "#1001"  # type: ignore[attr-defined]


def test_the_phone_number_on_the_order_also_proves_ownership(chat: Callable[..., Chat]) -> None:
    c = chat()
    c("status of order 1002 please")
    shown = c("my number is (555) 010-1001")
    assert "9400111899223344556677" in shown.reply.text


def test_a_wrong_pair_gets_exactly_the_answer_of_a_missing_order(
    chat: Callable[..., Chat],
) -> None:
    wrong_pair = chat(email="sam@example.com")("where is order 1001")
    missing = chat(email="sam@example.com")("where is order 9999")

    assert wrong_pair.reply.text == missing.reply.text.replace("9999", "1001")
    for result in (wrong_pair, missing):
        assert TRACKING_1001 not in result.reply.text
        assert "Jane" not in result.reply.text
        assert [(a.kind, a.status) for a in result.actions] == [
            (ActionKind.LOOKUP_ORDER, ActionStatus.FAILED)
        ]
        # The audit trail says a check failed, not whether the order exists.
        assert result.actions[0].result == {}
        assert result.actions[0].order_id is None


def test_the_agent_remembers_the_number_while_asking_for_the_email(
    chat: Callable[..., Chat],
) -> None:
    c = chat()
    c("I want to cancel my order")
    c("it's #1003")
    state = ConversationState.load(c.conversation.state)  # type: ignore[attr-defined]
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    state = ConversationState.load(c.conversation.state)  # type: ignore[attr-defined]
    assert (state.order_number, state.awaiting) == ("1003", "email")

    proposed = c("jane@example.com")

    assert proposed.intent == "cancel_order"
    assert "Shall I cancel order #1003?" in proposed.reply.text


def test_a_bare_number_in_an_order_question_is_read_as_the_order_number(
    chat: Callable[..., Chat],
) -> None:
    result = chat()("where is 1001? jane@example.com")
    assert TRACKING_1001 in result.reply.text


def test_a_postcode_is_not_mistaken_for_an_order_number(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("I need to change the address on order 1003")
    c("45 Oak Ave, Springfield, IL 62704")
    state = ConversationState.load(
        type(c.conversation).objects.get(pk=c.conversation.pk).state  # type: ignore[attr-defined]
    )
    assert state.failed_verifications == 0
    assert state.focus_name == "#1003"


def test_the_order_in_focus_is_remembered_across_turns(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("where is order 1001")
    again = c("when will it arrive?")
    assert TRACKING_1001 in again.reply.text
    lookups = [a for a in again.actions if a.kind == ActionKind.LOOKUP_ORDER]
    assert lookups[0].parameters["verified_by"] == ["conversation"]


def test_probing_order_numbers_escalates_after_three_failures_and_stops_lookups(
    chat: Callable[..., Chat],
) -> None:
    c = chat(email="mallory@example.net")
    first = c("where is order 1001")
    second = c("where is order 1002")
    assert first.escalated is second.escalated is False

    third = c("and order 1003?")

    assert third.escalated
    assert "team" in third.reply.text
    kinds = [(a.kind, a.status) for a in third.actions]
    assert (ActionKind.ESCALATE, ActionStatus.EXECUTED) in kinds
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    assert c.conversation.status == ConversationStatus.ESCALATED  # type: ignore[attr-defined]

    # Even the right pair now gets nothing: the conversation looks up no more orders.
    after = c("ok order 1004 with sam@example.com")
    assert "Trail Runner" not in after.reply.text
    assert not [a for a in after.actions if a.kind == ActionKind.LOOKUP_ORDER]
    failed = AgentAction.objects.filter(
        conversation=c.conversation,  # type: ignore[attr-defined]
        kind=ActionKind.LOOKUP_ORDER,
        status=ActionStatus.FAILED,
    )
    assert failed.count() == 3


def test_a_success_in_between_does_not_reset_the_failure_count(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("where is order 1004")
    c("where is order 1005")
    c("where is order 1001")  # her own order
    probe = c("and order 1006?")
    assert probe.escalated


def test_a_logged_in_customer_sees_their_own_orders_without_an_email(
    chat: Callable[..., Chat],
) -> None:
    c = chat(customer_id="demo-cust-1")
    listed = c("where is my order?")
    assert {"#1001", "#1002", "#1003"} <= {w.strip(",.():") for w in listed.reply.text.split()}
    shown = c("the 1001 one")
    assert TRACKING_1001 in shown.reply.text


def test_a_logged_in_customer_cannot_open_someone_elses_order(chat: Callable[..., Chat]) -> None:
    result = chat(customer_id="demo-cust-2")("where is my order 1001")
    assert TRACKING_1001 not in result.reply.text
    assert [(a.kind, a.status) for a in result.actions] == [
        (ActionKind.LOOKUP_ORDER, ActionStatus.FAILED)
    ]


def test_an_unverified_customer_id_proves_nothing(start: Callable[..., object]) -> None:
    conversation = start(email="")
    conversation.customer_platform_id = "demo-cust-1"  # type: ignore[attr-defined]
    conversation.save()  # type: ignore[attr-defined]
    result = say(conversation, "where is my order?")  # type: ignore[arg-type]
    assert "#1001" not in result.reply.text
    assert "order number" in result.reply.text


def test_another_stores_order_is_never_shown(chat: Callable[..., Chat], demo_store: object) -> None:
    other = seed_demo_store(domain="other.aftersale.test")
    Order.objects.filter(store=other, number=1001).update(email="eve@example.com")
    Order.objects.filter(store=demo_store, number=1001).update(email="jane@example.com")

    result = chat(email="eve@example.com")("where is order 1001")

    assert TRACKING_1001 not in result.reply.text
    assert result.actions[0].status == ActionStatus.FAILED
    assert not AgentAction.objects.filter(store=other).exists()


def test_a_failed_pair_is_not_retried_without_new_details(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("where is order 1004")  # Sam's order: one failure
    again = c("where is my order?")
    assert "order number" in again.reply.text
    assert not again.actions
    fixed = c("sorry, it was order 1001")
    assert TRACKING_1001 in fixed.reply.text
    state = ConversationState.load(
        type(c.conversation).objects.get(pk=c.conversation.pk).state  # type: ignore[attr-defined]
    )
    assert state.failed_verifications == 1


def test_a_wrong_email_can_be_corrected(chat: Callable[..., Chat]) -> None:
    c = chat()
    c("where is order 1001")
    c("jane@exmaple.com")  # a typo: one failure, the number is kept
    fixed = c("oops, jane@example.com")
    assert TRACKING_1001 in fixed.reply.text
