"""Acting: idempotency keys, platform failures, and the merchant's approvals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from apps.agent.actions import ActionSpec
from apps.agent.services import action_approve, action_carry_out, action_reject
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.integrations.commerce.base import LineItemQuantity
from apps.integrations.commerce.demo.provider import DemoCommerceProvider
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order
from apps.stores.models import Store
from tests.agent.conftest import Chat
from tests.agent.providers import CountingProvider


def refunded(store: Store, number: int) -> Decimal:
    return Order.objects.get(store=store, number=number).total_refunded


def awaiting_refund(chat: Callable[..., Chat]) -> AgentAction:
    """Alex asks for a $250 refund on #1011: above the limit, it waits for the merchant."""
    c = chat(email="alex@example.com")
    c("refund order 1011")
    c("yes")
    return AgentAction.objects.get(kind=ActionKind.REFUND, status=ActionStatus.AWAITING_APPROVAL)


def approve_and_carry_out(action_id: int, store: Store, who: str) -> AgentAction:
    """The merchant's click, then the execution task it enqueued, as a worker runs it."""
    action_approve(action_id, store, who)
    done = action_carry_out(action_id)
    assert done is not None
    return done


def approval_messages(action: AgentAction) -> list[str]:
    return list(
        Message.objects.filter(
            conversation=action.conversation,
            role=MessageRole.ASSISTANT,
            metadata__kind="approval",
        ).values_list("text", flat=True)
    )


# ---------------------------------------------------------------- keys


def test_the_key_is_derived_from_what_the_action_does() -> None:
    spec = ActionSpec(
        kind=ActionKind.REFUND,
        order_id="demo-order-1002",
        order_name="#1002",
        amount=Decimal("45.00"),
        currency="USD",
        items=(LineItemQuantity("b", 1), LineItemQuantity("a", 1)),
        reason="Customer request",
    )
    same_items_reordered = ActionSpec(
        kind=ActionKind.REFUND,
        order_id="demo-order-1002",
        order_name="#1002",
        amount=Decimal("45.00"),
        currency="usd",
        items=(LineItemQuantity("a", 1), LineItemQuantity("b", 1)),
        reason="worded differently",
    )
    other_amount = ActionSpec(
        kind=ActionKind.REFUND,
        order_id="demo-order-1002",
        order_name="#1002",
        amount=Decimal("44.99"),
        currency="USD",
    )
    assert spec.key(1) == same_items_reordered.key(1)
    assert spec.key(1) != spec.key(2)
    assert spec.key(1) != other_amount.key(1)
    assert spec.key(1).startswith("refund:")
    assert len(spec.key(1)) <= 128


# ---------------------------------------------------------------- platform failures


@pytest.mark.django_db
def test_a_platform_error_while_refunding_fails_the_action_and_says_so(
    chat: Callable[..., Chat], demo_store: Store, use_provider: Callable[[str], None]
) -> None:
    use_provider("FailingProvider")
    c = chat(email="jane@example.com")
    c("refund order 1002")

    result = c("yes")

    refund = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert refund.status == ActionStatus.FAILED
    assert "503" in refund.error
    assert refund.executed_at is None
    assert "couldn't" in result.reply.text
    assert "can't confirm" in result.reply.text
    assert "Done" not in result.reply.text
    assert result.escalated
    assert refunded(demo_store, 1002) == Decimal("0")
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    assert c.conversation.status == ConversationStatus.ESCALATED  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_refused_cancellation_leaves_the_order_as_it_was(
    chat: Callable[..., Chat], demo_store: Store, use_provider: Callable[[str], None]
) -> None:
    use_provider("FailingProvider")
    c = chat(email="jane@example.com")
    c("cancel order 1003")
    result = c("yes")
    action = AgentAction.objects.get(kind=ActionKind.CANCEL_ORDER)
    assert (action.status, action.error) == (
        ActionStatus.FAILED,
        "Order cannot be cancelled right now.",
    )
    assert "is cancelled" not in result.reply.text
    assert Order.objects.get(store=demo_store, number=1003).cancelled_at is None


@pytest.mark.django_db
def test_a_failed_action_is_retried_under_the_same_key_once_the_platform_recovers(
    chat: Callable[..., Chat],
    demo_store: Store,
    use_provider: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_provider("FailingProvider")
    c = chat(email="jane@example.com")
    c("refund order 1002")
    c("yes")
    use_provider("DemoCommerceProvider")
    monkeypatch.setattr("tests.agent.providers.DemoCommerceProvider", DemoCommerceProvider)

    c("please try the refund for order 1002 again")
    done = c("yes")

    refund = AgentAction.objects.get(kind=ActionKind.REFUND)  # still one row
    assert (refund.status, refund.error) == (ActionStatus.EXECUTED, "")
    assert "refunded $45.00" in done.reply.text
    assert refunded(demo_store, 1002) == Decimal("45.00")


@pytest.mark.django_db
def test_asking_again_for_a_done_refund_reports_it_instead_of_refunding_twice(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email="jane@example.com")
    c("refund the t-shirt from order 1002")
    c("yes")
    again = chat(email="jane@example.com")("refund the t-shirt from order 1002")
    assert AgentAction.objects.filter(kind=ActionKind.REFUND).count() == 1
    assert refunded(demo_store, 1002) == Decimal("25.00")
    assert "(yes/no)" not in again.reply.text


# ---------------------------------------------------------------- approvals


@pytest.mark.django_db
def test_approving_executes_the_refund_and_tells_the_customer(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    action = awaiting_refund(chat)

    approved = approve_and_carry_out(action.pk, demo_store, "owner@northwind.example")

    assert approved.status == ActionStatus.EXECUTED
    assert approved.approved_by == "owner@northwind.example"
    assert approved.approved_at is not None
    assert approved.evidence
    assert refunded(demo_store, 1011) == Decimal("250.00")
    assert approval_messages(approved) == [
        "Good news: our team approved your request to refund $250.00 on order #1011, and it's done."
    ]


@pytest.mark.django_db
def test_approving_twice_executes_once(chat: Callable[..., Chat], demo_store: Store) -> None:
    action = awaiting_refund(chat)
    first = action_approve(action.pk, demo_store, "first")
    second = action_approve(action.pk, demo_store, "second")
    assert (first.status, second.approved_by) == (ActionStatus.PROPOSED, "first")
    action_carry_out(action.pk)
    again = action_carry_out(action.pk)  # a redelivered task
    assert again is not None
    assert again.status == ActionStatus.EXECUTED
    assert refunded(demo_store, 1011) == Decimal("250.00")
    assert len(approval_messages(action)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_the_same_moment_execute_exactly_once(
    chat: Callable[..., Chat], demo_store: Store, use_provider: Callable[[str], None]
) -> None:
    action = awaiting_refund(chat)
    use_provider("CountingProvider")
    CountingProvider.calls.clear()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(who: str) -> None:
        try:
            barrier.wait()
            outcomes.append(approve_and_carry_out(action.pk, demo_store, who).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(CountingProvider.calls) == 1
    assert refunded(demo_store, 1011) == Decimal("250.00")
    assert len(approval_messages(action)) == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED
    assert action.approved_by in ("ann", "bob")
    # The loser saw the action still running or already executed, never a refund.
    assert set(outcomes) <= {ActionStatus.EXECUTED, ActionStatus.EXECUTING}


@pytest.mark.django_db
def test_an_approval_never_refunds_more_than_is_still_refundable(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    action = awaiting_refund(chat)
    DemoCommerceProvider(demo_store).refund(
        order_id="demo-order-1011",
        amount=Decimal("200.00"),
        line_items=None,
        reason="refunded by phone",
        idempotency_key="merchant-manual-1",
    )

    result = approve_and_carry_out(action.pk, demo_store, "owner")

    assert result.status == ActionStatus.FAILED
    assert "$50.00 is still refundable" in result.error
    assert refunded(demo_store, 1011) == Decimal("200.00")
    assert "has not been confirmed" in approval_messages(result)[0]


@pytest.mark.django_db
def test_rejecting_tells_the_customer_and_a_later_approval_does_nothing(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    action = awaiting_refund(chat)

    rejected = action_reject(action.pk, demo_store, "owner", reason="Item was used")
    late = action_approve(action.pk, demo_store, "someone else")

    assert rejected.status == late.status == ActionStatus.REJECTED
    assert rejected.result == {"rejected_by": "owner", "reason": "Item was used"}
    assert late.approved_by == ""
    assert refunded(demo_store, 1011) == Decimal("0")
    assert approval_messages(action) == [
        "Our team reviewed your request to refund $250.00 on order #1011 and couldn't approve "
        "it. They'll reply here if you have questions."
    ]


@pytest.mark.django_db
def test_another_stores_merchant_cannot_approve_or_reject(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    action = awaiting_refund(chat)
    other = seed_demo_store(domain="other.aftersale.test")

    with pytest.raises(AgentAction.DoesNotExist):
        action_approve(action.pk, other, "intruder")
    with pytest.raises(AgentAction.DoesNotExist):
        action_reject(action.pk, other, "intruder")

    action.refresh_from_db()
    assert (action.status, action.approved_by) == (ActionStatus.AWAITING_APPROVAL, "")
    assert refunded(demo_store, 1011) == Decimal("0")
    assert approval_messages(action) == []


@pytest.mark.django_db
def test_an_action_left_half_way_is_finished_by_the_next_yes_not_duplicated(
    chat: Callable[..., Chat], demo_store: Store, use_provider: Callable[[str], None]
) -> None:
    use_provider("StalledRefundProvider")
    c = chat(email="jane@example.com")
    c("refund order 1002")
    with pytest.raises(SoftTimeLimitExceeded):
        c("yes")  # the turn's time limit fires inside the platform call
    stuck = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert stuck.status == ActionStatus.EXECUTING
    use_provider("DemoCommerceProvider")

    c("refund order 1002")
    done = c("yes")

    assert AgentAction.objects.filter(kind=ActionKind.REFUND).count() == 1
    stuck.refresh_from_db()
    assert stuck.status == ActionStatus.EXECUTED
    assert refunded(demo_store, 1002) == Decimal("45.00")
    assert "refunded $45.00" in done.reply.text


@pytest.mark.django_db
def test_asking_again_after_a_failed_approval_goes_back_to_the_merchant(
    chat: Callable[..., Chat], demo_store: Store, use_provider: Callable[[str], None]
) -> None:
    action = awaiting_refund(chat)
    use_provider("FailingProvider")
    assert approve_and_carry_out(action.pk, demo_store, "owner").status == ActionStatus.FAILED
    use_provider("DemoCommerceProvider")

    c = chat(email="alex@example.com")
    c("refund order 1011")
    c("yes")

    action.refresh_from_db()
    assert (action.status, action.approved_by) == (ActionStatus.AWAITING_APPROVAL, "")
    assert refunded(demo_store, 1011) == Decimal("0")
