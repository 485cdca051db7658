"""The agent acts only on real consent, keeps the refund limit per order, never tells an
old action as new, voids offers when people step in, and holds against a stranger who
guesses across conversations or comes back to a screen someone left."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.agent.actions import ActionSpec
from apps.agent.probing import CLIENT_FAILURES_PER_WINDOW, ORDER_FAILURES_PER_WINDOW
from apps.chat.api.tokens import conversation_is_open
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Conversation,
    ConversationStatus,
)
from apps.conversations.services import conversation_set_status, message_add_human_agent
from apps.dashboard.services.conversations import conversation_hand_back, conversation_take_over
from apps.orders.models import Order
from apps.stores.models import Store
from tests.agent.conftest import Chat

pytestmark = pytest.mark.django_db


def refunded(store: Store, number: int) -> Decimal:
    return Order.objects.get(store=store, number=number).total_refunded


def refunds() -> list[tuple[str, str]]:
    return [
        (str(a.amount), a.status)
        for a in AgentAction.objects.filter(kind=ActionKind.REFUND).order_by("pk")
    ]


# ---------------------------------------------------------------- consent


@pytest.mark.parametrize(
    "answer",
    [
        "yes but for order 1010 instead",
        "yeah no actually don't",
        "ok wait, no",
        "yes no",
        "yes?",
        "yes... actually no",
    ],
)
def test_only_an_unambiguous_yes_cancels(
    chat: Callable[..., Chat], demo_store: Store, answer: str
) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")

    reply = c(answer).reply

    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()
    assert Order.objects.get(store=demo_store, number=1003).cancelled_at is None
    assert reply is not None
    assert "is cancelled" not in reply.text


def test_an_unclear_answer_is_asked_again_and_a_yes_then_acts(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")

    again = c("yes no").reply
    done = c("yes").reply

    assert again is not None
    assert "yes or no" in again.text
    assert done is not None
    assert "is cancelled" in done.text
    assert AgentAction.objects.get(kind=ActionKind.CANCEL_ORDER).status == ActionStatus.EXECUTED


@pytest.mark.parametrize(
    "request_text",
    ["please DON'T cancel order 1003, I still want it", "I do not want to cancel order 1003"],
)
def test_a_negated_request_is_never_an_offer(chat: Callable[..., Chat], request_text: str) -> None:
    c = chat(email="jane@example.com")

    first = c(request_text).reply
    c("yes")

    assert first is not None
    assert "won't cancel" in first.text
    assert "Shall I" not in first.text
    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()


def test_a_negated_refund_with_a_tracking_question_answers_the_question(
    chat: Callable[..., Chat],
) -> None:
    reply = chat(email="jane@example.com")(
        "order 1002: I do not want a refund, just the tracking"
    ).reply

    assert reply is not None
    assert "9400111899223344556677" in reply.text
    assert "refund" not in reply.text.lower()


def test_a_bare_yes_with_nothing_pending_offers_nothing(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("refund order 1002")
    c("no")

    reply = c("yes").reply

    assert reply is not None
    assert "haven't done anything" in reply.text
    assert "(yes/no)" not in reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.REFUND).exists()


def test_an_ok_with_nothing_pending_is_an_acknowledgement(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("where is order 1002?")

    reply = c("ok").reply

    assert reply is not None
    assert "anything else" in reply.text.lower()
    assert "(yes/no)" not in reply.text


def test_an_offer_older_than_its_lifetime_is_not_accepted(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")
    conversation = Conversation.objects.get(pk=c.conversation.pk)  # type: ignore[attr-defined]
    state = conversation.state
    state["pending"]["proposed_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    Conversation.objects.filter(pk=conversation.pk).update(state=state)

    reply = c("yes").reply

    assert reply is not None
    assert "no longer open" in reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()


# ---------------------------------------------------------------- limits and truth


def test_refunds_split_under_the_limit_wait_for_approval_once_they_add_up(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email="alex@example.com")
    c("refund $49 on order 1011")
    c("yes")
    c("refund $48 on order 1011")
    second = c("yes").reply

    assert refunds() == [("49.00", "executed"), ("48.00", "awaiting_approval")]
    assert refunded(demo_store, 1011) == Decimal("49.00")
    assert second is not None
    assert "approval" in second.text


def test_an_identical_second_request_is_a_new_action_told_truthfully(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email="jane@example.com")
    c("refund $20 on order 1002")
    first = c("yes").reply
    c("refund $20 on order 1002")
    second = c("yes").reply
    again = c("yes").reply

    keys = set(AgentAction.objects.filter(kind=ActionKind.REFUND).values_list("idempotency_key"))
    assert refunds() == [("20.00", "executed"), ("20.00", "executed")]
    assert len(keys) == 2
    assert refunded(demo_store, 1002) == Decimal("40.00")
    assert first is not None
    assert second is not None
    assert again is not None
    assert "refunded $20.00" in first.text
    assert "refunded $20.00" in second.text
    assert "refunded" not in again.text
    assert "haven't done anything" in again.text


def test_the_key_names_the_conversation_and_the_request() -> None:
    spec = ActionSpec(kind="refund", order_id="o", order_name="#1", amount=Decimal("20"))
    same = ActionSpec(kind="refund", order_id="o", order_name="#1", amount=Decimal("20"))
    assert spec.key(1) == same.key(1)
    keys = {
        ActionSpec(
            kind="refund",
            order_id="o",
            order_name="#1",
            amount=Decimal("20"),
            conversation_id=conversation,
            request=request,
        ).key(1)
        for conversation in (1, 2)
        for request in ("proposal:a", "proposal:b")
    }
    assert len(keys) == 4


def test_a_retried_turn_reports_its_own_action_as_done(chat: Callable[..., Chat]) -> None:
    from apps.agent.pipeline import run_turn

    c = chat(email="jane@example.com")
    c("refund $20 on order 1002")
    done = c("yes")

    again = run_turn(done.message)

    assert again.reply is not None
    assert again.reply.pk == done.reply.pk
    assert len(refunds()) == 1


# ---------------------------------------------------------------- people step in


@pytest.mark.parametrize("how", ["dashboard", "status", "human_reply"])
def test_a_takeover_voids_the_offer(chat: Callable[..., Chat], demo_store: Store, how: str) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")
    conversation = Conversation.objects.get(pk=c.conversation.pk)  # type: ignore[attr-defined]
    if how == "dashboard":
        conversation_take_over(store=demo_store, conversation_id=conversation.pk)
    elif how == "status":
        conversation_set_status(conversation, ConversationStatus.ESCALATED)
    else:
        message_add_human_agent(conversation, "Hi Jane, a person here")
    conversation_hand_back(store=demo_store, conversation_id=conversation.pk)

    reply = c("yes").reply

    assert Conversation.objects.get(pk=conversation.pk).state["pending"] is None
    assert reply is not None
    assert "is cancelled" not in reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()


def test_an_escalation_by_the_agent_voids_the_offer(chat: Callable[..., Chat]) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")
    c("I want to talk to a human")
    conversation = Conversation.objects.get(pk=c.conversation.pk)  # type: ignore[attr-defined]
    conversation_set_status(conversation, ConversationStatus.AI_HANDLING)

    c("yes")

    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()


def test_a_takeover_during_a_turn_keeps_the_offer_void(
    chat: Callable[..., Chat], demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import apps.agent.pipeline as pipeline

    c = chat(email="jane@example.com")
    conversation = c.conversation  # type: ignore[attr-defined]
    real_route = pipeline.route

    def route_then_taken_over(turn):  # type: ignore[no-untyped-def]
        draft = real_route(turn)
        Conversation.objects.filter(pk=conversation.pk).update(
            status=ConversationStatus.HUMAN_HANDLING
        )
        return draft

    monkeypatch.setattr(pipeline, "route", route_then_taken_over)
    c("cancel order 1003")

    assert Conversation.objects.get(pk=conversation.pk).state["pending"] is None


# ---------------------------------------------------------------- strangers


def _failed_lookups() -> int:
    return AgentAction.objects.filter(
        kind=ActionKind.LOOKUP_ORDER, status=ActionStatus.FAILED
    ).count()


def test_numbers_that_cannot_be_orders_do_not_use_up_attempts(
    chat: Callable[..., Chat],
) -> None:
    c = chat(email="jane@example.com")
    for text in ("where is order #94105?", "#90210", "order 777777", "10001"):
        c(text)

    reply = c("1001").reply

    assert reply is not None
    assert "UPS" in reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.ESCALATE).exists()


def test_guesses_at_one_order_across_conversations_are_stopped_and_the_merchant_told(
    chat: Callable[..., Chat],
) -> None:
    for _ in range(ORDER_FAILURES_PER_WINDOW):
        chat(email="jane@example.com")("where is order 1004?")

    owner = chat(email="sam@example.com")("where is order 1004?").reply

    assert owner is not None
    assert "UPS" not in owner.text
    escalation = AgentAction.objects.filter(kind=ActionKind.ESCALATE).get()
    assert "1004" in escalation.parameters["reason"]


def test_one_client_guessing_across_conversations_is_stopped(
    start: Callable[..., Conversation],
) -> None:
    numbers = iter(range(1004, 1013))
    for _ in range(CLIENT_FAILURES_PER_WINDOW // 2):
        conversation = start()
        for _ in range(2):
            run(conversation, f"order {next(numbers)} jane@example.com", client="c1")

    blocked = start()
    run(blocked, "order 1012 jane@example.com", client="c1")
    other_client = start()
    fine = run(other_client, "order 1001 jane@example.com", client="c2")

    assert (
        "across conversations"
        in AgentAction.objects.get(kind=ActionKind.ESCALATE, conversation=blocked).parameters[
            "reason"
        ]
    )
    assert "UPS" in fine


def run(conversation: Conversation, text: str, *, client: str) -> str:
    from apps.agent.pipeline import run_turn

    message = message_add_customer(conversation, text, metadata={"client": client})
    reply = run_turn(message).reply
    return reply.text if reply is not None else ""


@override_settings(AGENT_VERIFICATION_IDLE_MINUTES=30)
def test_a_guests_proof_lapses_after_a_pause(chat: Callable[..., Chat]) -> None:
    c = chat()
    c("where is order 1001? jane@example.com")
    conversation = Conversation.objects.get(pk=c.conversation.pk)  # type: ignore[attr-defined]
    state = conversation.state
    state["last_turn_at"] = (timezone.now() - timedelta(minutes=31)).isoformat()
    Conversation.objects.filter(pk=conversation.pk).update(state=state)

    reply = c("and where is it now?").reply

    assert reply is not None
    assert "UPS" not in reply.text
    assert "order number" in reply.text
    assert Conversation.objects.get(pk=conversation.pk).order_in_focus_id is None


def test_a_short_pause_keeps_the_proof(chat: Callable[..., Chat]) -> None:
    c = chat()
    c("where is order 1001? jane@example.com")

    reply = c("and where is it now?").reply

    assert reply is not None
    assert "UPS" in reply.text


@override_settings(CHAT_TOKEN_IDLE_HOURS=24, CHAT_TOKEN_MAX_AGE_DAYS=7)
def test_a_conversation_token_has_a_lifetime(demo_store: Store) -> None:
    now = timezone.now()
    fresh = Conversation(store=demo_store, created_at=now - timedelta(hours=1), last_message_at=now)
    idle = Conversation(
        store=demo_store,
        created_at=now - timedelta(days=2),
        last_message_at=now - timedelta(hours=25),
    )
    old = Conversation(store=demo_store, created_at=now - timedelta(days=8), last_message_at=now)
    assert conversation_is_open(fresh, now)
    assert not conversation_is_open(idle, now)
    assert not conversation_is_open(old, now)


def test_status_cancel_and_policy_in_one_message_are_each_answered(
    chat: Callable[..., Chat],
) -> None:
    c = chat(email="jane@example.com")

    reply = c("Where is order 1003, can I cancel it, and what's your return policy?").reply
    c("yes")

    assert reply is not None
    assert "Refund policy" in reply.text
    assert "hasn't shipped" in reply.text
    assert reply.text.endswith("Shall I cancel order #1003? (yes/no)")
    assert AgentAction.objects.get(kind=ActionKind.CANCEL_ORDER).status == ActionStatus.EXECUTED


def test_a_refund_status_question_is_not_a_compound_request(chat: Callable[..., Chat]) -> None:
    reply = chat(email="priya@example.com")("where's my refund for order 1007").reply

    assert reply is not None
    assert "$75.00" in reply.text
    assert "Shall I" not in reply.text


def test_a_compound_message_proposes_no_action_the_merchant_keeps_for_people(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    from apps.stores.models import StoreSettings

    StoreSettings.objects.filter(store=demo_store).update(always_human_intents=["cancel_order"])
    reply = chat(email="jane@example.com")(
        "Where is order 1003, can I cancel it, and what's your return policy?"
    ).reply

    assert reply is not None
    assert "Shall I cancel" not in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "I do not want a refund for order 1002, just the tracking",
        "I want an exchange, not a refund, for order 1002",
        "do not cancel 1003",
    ],
)
def test_an_action_turned_down_is_never_offered_in_the_same_breath(
    chat: Callable[..., Chat], text: str
) -> None:
    c = chat(email="jane@example.com")
    first = c(text).reply

    c("yes")

    assert first is not None
    assert "(yes/no)" not in first.text
    assert not AgentAction.objects.filter(
        kind__in=[ActionKind.REFUND, ActionKind.CANCEL_ORDER, ActionKind.CREATE_RETURN]
    ).exists()


def test_a_question_about_a_named_order_is_about_the_order_not_a_rule(
    chat: Callable[..., Chat],
) -> None:
    c = chat(email="jane@example.com")
    c("cancel order 1003")
    c("yes")

    reply = c("is order 1003 cancelled now?").reply

    assert reply is not None
    assert "cancelled" in reply.text.lower()
    assert "don't have information" not in reply.text
