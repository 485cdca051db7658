"""The policy engine on its own: the merchant's rules over an order, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.agent.policy import (
    Outcome,
    address_change_decision,
    cancel_decision,
    intent_decision,
    order_change_decision,
    refund_decision,
    return_eligibility,
)
from apps.integrations.commerce.base import (
    Fulfillment,
    LineItem,
    LineItemQuantity,
    OrderInfo,
)
from apps.stores.models import StoreSettings

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def rules(**overrides: object) -> StoreSettings:
    values: dict[str, object] = {
        "version": 7,
        "return_window_days": 30,
        "refund_auto_approve_limit": Decimal("50.00"),
        "refund_currency": "USD",
        "cancellation_window_hours": 12,
        "allow_address_changes": True,
        "final_sale_tags": ["final-sale"],
        "always_human_intents": [],
    }
    values.update(overrides)
    return StoreSettings(**values)


def item(
    n: int, price: str, *, qty: int = 1, tags: tuple[str, ...] = (), refunded: int = 0
) -> LineItem:
    return LineItem(
        id=f"li-{n}",
        title=f"Item {n}",
        quantity=qty,
        price=Decimal(price),
        fulfilled_quantity=qty,
        refunded_quantity=refunded,
        tags=tags,
    )


def delivered(days_ago: float, *items: LineItem) -> Fulfillment:
    return Fulfillment(
        id="f-1",
        status="success",
        shipment_status="delivered",
        delivered_at=NOW - timedelta(days=days_ago),
        line_items=tuple(LineItemQuantity(i.id, i.quantity) for i in items),
    )


def order(
    *items: LineItem,
    delivered_days_ago: float | None = 5,
    created_hours_ago: float = 200,
    refunded: str = "0",
    currency: str = "USD",
    fulfillment_status: str = "fulfilled",
    financial_status: str = "paid",
    cancelled: bool = False,
) -> OrderInfo:
    total = sum((i.price * i.quantity for i in items), Decimal("0"))
    fulfillments = () if delivered_days_ago is None else (delivered(delivered_days_ago, *items),)
    return OrderInfo(
        id="o-1",
        name="#2001",
        number=2001,
        currency=currency,
        financial_status=financial_status,
        fulfillment_status=fulfillment_status if delivered_days_ago is not None else "unfulfilled",
        total_price=total,
        total_refunded=Decimal(refunded),
        created_at=NOW - timedelta(hours=created_hours_ago),
        cancelled_at=NOW - timedelta(hours=1) if cancelled else None,
        line_items=items,
        fulfillments=fulfillments,
    )


# ---------------------------------------------------------------- returns


def test_a_delivered_order_inside_the_window_may_be_returned_until_its_deadline() -> None:
    o = order(item(1, "30.00"), item(2, "10.00", qty=2), delivered_days_ago=10)

    decision = return_eligibility(rules(), o, NOW)

    assert decision.outcome is Outcome.ALLOW
    assert decision.items == (LineItemQuantity("li-1", 1), LineItemQuantity("li-2", 2))
    assert decision.amount == Decimal("50.00")
    assert decision.deadline == NOW - timedelta(days=10) + timedelta(days=30)
    assert decision.policy_version == 7


def test_the_window_is_counted_from_delivery_not_from_the_order() -> None:
    # Ordered 100 days ago, delivered 29 days ago: still inside a 30-day window.
    o = order(item(1, "30.00"), delivered_days_ago=29, created_hours_ago=100 * 24)
    assert return_eligibility(rules(), o, NOW).allowed
    late = order(item(1, "30.00"), delivered_days_ago=31)
    decision = return_eligibility(rules(), late, NOW)
    assert (decision.outcome, decision.code) == (Outcome.DECLINE, "outside_return_window")


def test_a_longer_merchant_window_lets_the_same_order_back() -> None:
    late = order(item(1, "30.00"), delivered_days_ago=31)
    assert return_eligibility(rules(return_window_days=60), late, NOW).allowed


def test_final_sale_items_are_excluded_and_named() -> None:
    wallet = item(1, "40.00", tags=("Final-Sale",))
    tee = item(2, "25.00")
    decision = return_eligibility(rules(), order(wallet, tee), NOW)
    assert decision.items == (LineItemQuantity("li-2", 1),)
    assert decision.excluded == ("Item 1",)
    only_wallet = return_eligibility(rules(), order(wallet, tee), NOW, wanted={"li-1"})
    assert (only_wallet.outcome, only_wallet.code) == (Outcome.DECLINE, "final_sale")


def test_items_tagged_with_a_tag_the_merchant_did_not_list_are_returnable() -> None:
    sale = item(1, "40.00", tags=("sale",))
    assert return_eligibility(rules(), order(sale), NOW).allowed


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"delivered_days_ago": None}, "not_delivered"),
        ({"cancelled": True}, "cancelled"),
        ({"refunded": "30.00"}, "already_refunded"),
    ],
    ids=["not_delivered_case", "cancelled_case", "refunded_case"],
)
def test_orders_that_cannot_be_returned(kwargs: dict[str, object], code: str) -> None:
    decision = return_eligibility(rules(), order(item(1, "30.00"), **kwargs), NOW)  # type: ignore[arg-type]
    assert (decision.outcome, decision.code) == (Outcome.DECLINE, code)
    assert decision.items == ()


# ---------------------------------------------------------------- refunds


def test_a_refund_within_the_limit_is_allowed_for_what_the_items_are_worth() -> None:
    decision = refund_decision(rules(), order(item(1, "45.00")), NOW)
    assert (decision.outcome, decision.amount, decision.currency) == (
        Outcome.ALLOW,
        Decimal("45.00"),
        "USD",
    )


def test_the_limit_itself_is_allowed_and_a_cent_more_needs_approval() -> None:
    at_limit = refund_decision(rules(), order(item(1, "50.00")), NOW)
    above = refund_decision(rules(), order(item(1, "50.01")), NOW)
    assert at_limit.outcome is Outcome.ALLOW
    assert (above.outcome, above.code) == (Outcome.NEEDS_APPROVAL, "above_auto_approve_limit")
    assert above.amount == Decimal("50.01")


def test_a_refund_in_another_currency_than_the_limit_needs_approval() -> None:
    decision = refund_decision(rules(), order(item(1, "5.00"), currency="EUR"), NOW)
    assert (decision.outcome, decision.code) == (Outcome.NEEDS_APPROVAL, "currency_mismatch")


def test_an_already_refunded_order_is_declined() -> None:
    o = order(item(1, "75.00", refunded=1), refunded="75.00", financial_status="refunded")
    decision = refund_decision(rules(), o, NOW)
    assert (decision.outcome, decision.code) == (Outcome.DECLINE, "already_refunded")


def test_a_requested_amount_above_what_is_refundable_is_declined_not_clipped() -> None:
    o = order(item(1, "110.00"), refunded="30.00", financial_status="partially_refunded")
    decision = refund_decision(rules(), o, NOW, requested=Decimal("900"))
    assert (decision.outcome, decision.code) == (Outcome.DECLINE, "above_refundable")
    assert decision.amount == Decimal("80.00")  # the honest maximum, for the reply


def test_a_partial_refund_never_exceeds_what_is_left() -> None:
    o = order(item(1, "110.00"), refunded="30.00", financial_status="partially_refunded")
    decision = refund_decision(rules(), o, NOW)
    assert (decision.outcome, decision.amount) == (Outcome.NEEDS_APPROVAL, Decimal("80.00"))


def test_a_smaller_requested_amount_is_used_as_asked() -> None:
    decision = refund_decision(rules(), order(item(1, "110.00")), NOW, requested=Decimal("20"))
    assert (decision.outcome, decision.amount) == (Outcome.ALLOW, Decimal("20.00"))


def test_a_requested_amount_above_the_returnable_items_is_declined() -> None:
    wallet = item(1, "40.00", tags=("final-sale",))
    tee = item(2, "25.00")
    decision = refund_decision(rules(), order(wallet, tee), NOW, requested=Decimal("60"))
    assert (decision.outcome, decision.code, decision.amount) == (
        Outcome.DECLINE,
        "above_eligible",
        Decimal("25.00"),
    )


def test_refunds_follow_the_return_window_and_shipping_state() -> None:
    late = refund_decision(rules(), order(item(1, "10.00"), delivered_days_ago=45), NOW)
    unshipped = refund_decision(rules(), order(item(1, "10.00"), delivered_days_ago=None), NOW)
    assert late.code == "outside_return_window"
    assert unshipped.code == "not_shipped"
    assert {late.outcome, unshipped.outcome} == {Outcome.DECLINE}


def test_a_refund_named_in_another_currency_is_declined() -> None:
    decision = refund_decision(
        rules(), order(item(1, "10.00")), NOW, requested=Decimal("5"), requested_currency="EUR"
    )
    assert (decision.outcome, decision.code) == (Outcome.DECLINE, "wrong_currency")


def test_a_lowered_limit_takes_effect_and_is_recorded_by_version() -> None:
    strict = rules(refund_auto_approve_limit=Decimal("0"), version=9)
    decision = refund_decision(strict, order(item(1, "5.00")), NOW)
    assert (decision.outcome, decision.policy_version) == (Outcome.NEEDS_APPROVAL, 9)


# ---------------------------------------------------------------- cancel / address / changes


def test_cancel_only_before_fulfilment_and_inside_the_window() -> None:
    fresh = order(item(1, "120.00"), delivered_days_ago=None, created_hours_ago=2)
    old = order(item(1, "120.00"), delivered_days_ago=None, created_hours_ago=13)
    shipped = order(item(1, "120.00"), delivered_days_ago=1, created_hours_ago=2)
    cancelled = order(item(1, "120.00"), delivered_days_ago=None, cancelled=True)

    allowed = cancel_decision(rules(), fresh, NOW)
    assert (allowed.outcome, allowed.amount) == (Outcome.ALLOW, Decimal("120.00"))
    assert cancel_decision(rules(), old, NOW).code == "outside_cancellation_window"
    assert cancel_decision(rules(cancellation_window_hours=24), old, NOW).allowed
    assert cancel_decision(rules(), shipped, NOW).code == "already_fulfilled"
    assert cancel_decision(rules(), cancelled, NOW).code == "already_cancelled"


def test_address_changes_need_an_unshipped_order_and_the_merchants_permission() -> None:
    unshipped = order(item(1, "10.00"), delivered_days_ago=None)
    shipped = order(item(1, "10.00"))
    assert address_change_decision(rules(), unshipped).allowed
    off = address_change_decision(rules(allow_address_changes=False), unshipped)
    assert (off.outcome, off.code) == (Outcome.DECLINE, "address_changes_disabled")
    assert address_change_decision(rules(), shipped).code == "already_fulfilled"


def test_item_changes_go_to_people_before_shipping_and_are_declined_after() -> None:
    unshipped = order(item(1, "10.00"), delivered_days_ago=None)
    assert order_change_decision(rules(), unshipped).outcome is Outcome.ESCALATE
    assert order_change_decision(rules(), order(item(1, "10.00"))).outcome is Outcome.DECLINE


def test_intents_the_merchant_reserves_for_people_escalate() -> None:
    reserved = rules(always_human_intents=["complaint"])
    assert intent_decision(reserved, "complaint").outcome is Outcome.ESCALATE  # type: ignore[union-attr]
    assert intent_decision(reserved, "order_status") is None


def test_the_limit_holds_for_what_was_already_refunded_on_the_order_without_approval() -> None:
    rich = order(item(1, "200.00"))
    first = refund_decision(rules(), rich, NOW, requested=Decimal("49.00"))
    second = refund_decision(
        rules(), rich, NOW, requested=Decimal("48.00"), refunded_unapproved=Decimal("49.00")
    )
    exact = refund_decision(
        rules(), rich, NOW, requested=Decimal("1.00"), refunded_unapproved=Decimal("49.00")
    )
    assert first.outcome is Outcome.ALLOW
    assert (second.outcome, second.code) == (Outcome.NEEDS_APPROVAL, "above_order_limit")
    assert second.amount == Decimal("48.00")
    assert exact.outcome is Outcome.ALLOW
