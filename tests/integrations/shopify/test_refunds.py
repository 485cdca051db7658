from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from apps.integrations.commerce.base import LineItemQuantity, OrderNotFound, PlatformRejected
from apps.integrations.commerce.shopify.refunds import action_reference
from tests.integrations.shopify import answers
from tests.integrations.shopify.answers import money, ok

pytestmark = pytest.mark.django_db
ORDER_ID = "gid://shopify/Order/6001"
KEY = "agent-action-41-refund"


def _context(*, amount="43.20", maximum="91.40", refunds=(), refundable=2):  # type: ignore[no-untyped-def]
    return ok(
        {
            "order": {
                "id": ORDER_ID,
                "currencyCode": "USD",
                "lineItems": {
                    "pageInfo": {"hasNextPage": False},
                    "nodes": [{"id": "gid://shopify/LineItem/1", "refundableQuantity": refundable}],
                },
                "refunds": list(refunds),
                "suggestedRefund": {
                    "amountSet": money(amount),
                    "maximumRefundableSet": money(maximum),
                    "refundLineItems": [
                        {
                            "quantity": 1,
                            "restockType": "NO_RESTOCK",
                            "lineItem": {"id": "gid://shopify/LineItem/1"},
                        }
                    ],
                    "suggestedTransactions": [
                        {
                            "gateway": "shopify_payments",
                            "kind": "SUGGESTED_REFUND",
                            "amountSet": money(amount),
                            "parentTransaction": {"id": "gid://shopify/OrderTransaction/900"},
                        }
                    ],
                },
            }
        },
        requested=145,
        actual=12,
    )


def _created(refund_id="gid://shopify/Refund/300", amount="43.20"):  # type: ignore[no-untyped-def]
    return ok(
        {
            "refundCreate": {
                "refund": {
                    "id": refund_id,
                    "createdAt": "2026-11-22T10:00:00Z",
                    "note": f"Damaged [{action_reference(KEY)}]",
                    "totalRefundedSet": money(amount),
                },
                "userErrors": [],
            }
        },
        requested=13,
        actual=10,
    )


@pytest.fixture
def order_refetch(fake):  # type: ignore[no-untyped-def]
    fake.on("OrderById", ok({"order": answers.order(1001, financial="PARTIALLY_REFUNDED")}))


def test_items_are_refunded_at_shopifys_suggested_amount_with_the_idempotency_key(
    provider, fake, order_refetch
):
    fake.on("RefundContext", _context())
    fake.on("RefundCreate", _created())

    result = provider.refund(
        order_id=ORDER_ID,
        amount=None,
        reason="Damaged",
        line_items=[LineItemQuantity("gid://shopify/LineItem/1", 1)],
        idempotency_key=KEY,
    )

    assert (result.refund_id, result.amount, result.currency) == (
        "gid://shopify/Refund/300",
        Decimal("43.20"),
        "USD",
    )
    context, create = fake.calls[0], fake.calls[1]
    assert context.variables["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/1", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]
    assert "@idempotent(key: $idempotencyKey)" in create.query
    assert create.variables["idempotencyKey"] == KEY
    refund_input = create.variables["input"]
    assert refund_input["transactions"] == [
        {
            "orderId": ORDER_ID,
            "parentId": "gid://shopify/OrderTransaction/900",
            "amount": "43.20",
            "gateway": "shopify_payments",
            "kind": "REFUND",
        }
    ]
    assert action_reference(KEY) in refund_input["note"]


def test_an_amount_above_what_is_refundable_is_rejected_and_nothing_is_sent(provider, fake):
    fake.on("RefundContext", _context(amount="91.40", maximum="30.00"))

    with pytest.raises(PlatformRejected) as caught:
        provider.refund(
            order_id=ORDER_ID,
            amount=Decimal("50.00"),
            line_items=None,
            reason="goodwill",
            idempotency_key=KEY,
        )

    assert caught.value.code == "ABOVE_REFUNDABLE"
    assert caught.value.field == "amount"
    assert "30.00" in str(caught.value)
    assert fake.ops() == ["RefundContext"]


def test_user_errors_become_a_rejection_the_agent_can_explain(provider, fake):
    fake.on("RefundContext", _context())
    fake.on(
        "RefundCreate",
        ok(
            {
                "refundCreate": {
                    "refund": None,
                    "userErrors": [
                        {
                            "field": ["transactions", "0", "amount"],
                            "message": "Amount can't be greater than the refundable amount",
                        }
                    ],
                }
            }
        ),
    )

    with pytest.raises(PlatformRejected) as caught:
        provider.refund(
            order_id=ORDER_ID,
            amount=Decimal("10.00"),
            line_items=None,
            reason="goodwill",
            idempotency_key=KEY,
        )

    assert caught.value.field == "transactions.0.amount"
    assert "refundable amount" in str(caught.value)


def test_a_refund_retried_after_a_timeout_that_succeeded_is_not_made_twice(
    provider, fake, order_refetch
):
    # Shopify's @idempotent: the first request with a key creates the refund and keeps it
    # under that key; a repeat of the key gets the kept refund back and creates nothing.
    kept: dict[str, dict] = {}
    created: list[str] = []

    def shopify_refund_create(variables):  # type: ignore[no-untyped-def]
        key = variables["idempotencyKey"]
        if key not in kept:
            created.append(key)
            kept[key] = _created(refund_id=f"gid://shopify/Refund/{300 + len(created)}")
        return kept[key]

    answers = iter(["timeout", "answer"])

    def flaky(variables):  # type: ignore[no-untyped-def]
        response = shopify_refund_create(variables)  # Shopify did the work either way
        if next(answers) == "timeout":
            raise httpx.ReadTimeout("the answer never came back")
        return response

    fake.on("RefundContext", _context())
    fake.on("RefundCreate", flaky)

    result = provider.refund(
        order_id=ORDER_ID,
        amount=Decimal("43.20"),
        line_items=None,
        reason="Damaged",
        idempotency_key=KEY,
    )

    creates = [c for c in fake.calls if c.operation == "RefundCreate"]
    # The resend carried the very same key, so Shopify answered it from its record: one
    # refund was created, and the answer is that refund (a new key would make a second).
    assert [c.variables["idempotencyKey"] for c in creates] == [KEY, KEY]
    assert creates[0].variables == creates[1].variables
    assert created == [KEY]
    assert result.refund_id == "gid://shopify/Refund/301"


def test_a_rerun_of_the_whole_refund_finds_the_refund_it_already_made(
    provider, fake, order_refetch
):
    earlier = {
        "id": "gid://shopify/Refund/300",
        "note": f"Damaged [{action_reference(KEY)}]",
        "createdAt": "2026-11-22T10:00:00Z",
        "totalRefundedSet": money("43.20"),
    }
    fake.on("RefundContext", _context(amount="0.00", maximum="48.20", refunds=[earlier]))

    result = provider.refund(
        order_id=ORDER_ID,
        amount=Decimal("43.20"),
        line_items=None,
        reason="Damaged",
        idempotency_key=KEY,
    )

    assert result.refund_id == "gid://shopify/Refund/300"
    assert result.evidence["replayed"]
    assert "RefundCreate" not in fake.ops()


def test_an_unknown_order_is_not_found(provider, fake):
    fake.on("RefundContext", ok({"order": None}))
    with pytest.raises(OrderNotFound):
        provider.refund(
            order_id=ORDER_ID, amount=Decimal("1"), line_items=None, reason="x", idempotency_key=KEY
        )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("NaN")])
def test_bad_amounts_are_refused_before_any_call(provider, fake, amount):
    with pytest.raises(PlatformRejected):
        provider.refund(
            order_id=ORDER_ID, amount=amount, line_items=None, reason="x", idempotency_key=KEY
        )
    assert fake.calls == []


@pytest.mark.parametrize(
    ("line_id", "quantity", "refundable", "code"),
    [
        ("gid://shopify/LineItem/1", 3, 2, "ABOVE_REFUNDABLE"),
        ("gid://shopify/LineItem/1", 1, 0, "ABOVE_REFUNDABLE"),
        ("gid://shopify/LineItem/77", 1, 2, "NOT_ON_ORDER"),
    ],
    ids=["more-than-left", "already-refunded", "another-orders-item"],
)
def test_items_shopify_would_quietly_cap_are_refused_before_refund_create(
    provider, fake, line_id, quantity, refundable, code
):
    fake.on("RefundContext", _context(refundable=refundable))

    with pytest.raises(PlatformRejected) as caught:
        provider.refund(
            order_id=ORDER_ID,
            amount=None,
            line_items=[LineItemQuantity(line_id, quantity)],
            reason="x",
            idempotency_key=KEY,
        )

    assert caught.value.code == code
    assert fake.ops() == ["RefundContext"]


def test_an_item_id_that_is_not_a_line_item_gid_is_refused_before_any_call(provider, fake):
    with pytest.raises(PlatformRejected) as caught:
        provider.refund(
            order_id=ORDER_ID,
            amount=None,
            line_items=[LineItemQuantity('1") { id } #', 1)],
            reason="x",
            idempotency_key=KEY,
        )
    assert caught.value.code == "NOT_ON_ORDER"
    assert fake.calls == []
