from __future__ import annotations

import pytest

from apps.integrations.commerce.base import LineItemQuantity, PlatformRejected
from apps.integrations.commerce.shopify.refunds import action_reference
from tests.integrations.shopify.answers import ok

pytestmark = pytest.mark.django_db
ORDER_ID = "gid://shopify/Order/6001"
KEY = "act-return-3"


def _context(returns=()):  # type: ignore[no-untyped-def]
    def fli(n, line, qty):  # type: ignore[no-untyped-def]
        return {
            "quantity": qty,
            "fulfillmentLineItem": {
                "id": f"gid://shopify/FulfillmentLineItem/{n}",
                "lineItem": {"id": f"gid://shopify/LineItem/{line}"},
            },
        }

    return ok(
        {
            "returnableFulfillments": {
                "nodes": [
                    {
                        "id": "gid://shopify/ReturnableFulfillment/1",
                        "returnableFulfillmentLineItems": {"nodes": [fli(11, 1, 1), fli(12, 2, 1)]},
                    },
                    {
                        "id": "gid://shopify/ReturnableFulfillment/2",
                        "returnableFulfillmentLineItems": {"nodes": [fli(21, 1, 1)]},
                    },
                ]
            },
            "order": {"id": ORDER_ID, "returns": {"nodes": list(returns)}},
        }
    )


REASONS = ok(
    {
        "returnReasonDefinitions": {
            "nodes": [
                {
                    "id": "gid://shopify/ReturnReasonDefinition/1",
                    "handle": "too-small",
                    "name": "Too small",
                    "deleted": False,
                },
                {
                    "id": "gid://shopify/ReturnReasonDefinition/2",
                    "handle": "defective",
                    "name": "Damaged or defective",
                    "deleted": False,
                },
                {
                    "id": "gid://shopify/ReturnReasonDefinition/9",
                    "handle": "other",
                    "name": "Other",
                    "deleted": False,
                },
            ]
        }
    }
)


def test_a_return_is_requested_for_the_fulfillment_line_items_of_the_chosen_items(provider, fake):
    fake.on("ReturnContext", _context())
    fake.on("ReturnReasons", REASONS)
    fake.on(
        "ReturnRequest",
        ok(
            {
                "returnRequest": {
                    "return": {
                        "id": "gid://shopify/Return/5",
                        "name": "#1001-R1",
                        "status": "REQUESTED",
                    },
                    "userErrors": [],
                }
            }
        ),
    )

    result = provider.create_return(
        order_id=ORDER_ID,
        reason="It arrived defective",
        line_items=[LineItemQuantity("gid://shopify/LineItem/1", 2)],
        idempotency_key=KEY,
    )

    assert (result.return_id, result.status) == ("gid://shopify/Return/5", "requested")
    items = next(c for c in fake.calls if c.operation == "ReturnRequest").variables["input"][
        "returnLineItems"
    ]
    assert [(i["fulfillmentLineItemId"], i["quantity"]) for i in items] == [
        ("gid://shopify/FulfillmentLineItem/11", 1),
        ("gid://shopify/FulfillmentLineItem/21", 1),
    ]
    assert {i["returnReasonDefinitionId"] for i in items} == {
        "gid://shopify/ReturnReasonDefinition/2"
    }
    assert all(action_reference(KEY) in i["customerNote"] for i in items)


def test_more_than_is_returnable_is_rejected_without_a_mutation(provider, fake):
    fake.on("ReturnContext", _context())
    with pytest.raises(PlatformRejected) as caught:
        provider.create_return(
            order_id=ORDER_ID,
            reason="too small",
            line_items=[LineItemQuantity("gid://shopify/LineItem/2", 2)],
            idempotency_key=KEY,
        )
    assert caught.value.code == "NOT_RETURNABLE"
    assert "ReturnRequest" not in fake.ops()


def test_a_retry_finds_the_return_it_already_opened(provider, fake):
    earlier = {
        "id": "gid://shopify/Return/5",
        "name": "#1001-R1",
        "status": "REQUESTED",
        "returnLineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/ReturnLineItem/1",
                    "quantity": 1,
                    "customerNote": f"x [{action_reference(KEY)}]",
                }
            ]
        },
    }
    fake.on("ReturnContext", _context(returns=[earlier]))

    result = provider.create_return(
        order_id=ORDER_ID,
        reason="too small",
        line_items=[LineItemQuantity("gid://shopify/LineItem/1", 1)],
        idempotency_key=KEY,
    )

    assert result.return_id == "gid://shopify/Return/5"
    assert result.evidence["replayed"]
    assert fake.ops() == ["ReturnContext"]


def test_return_user_errors_are_typed(provider, fake):
    fake.on("ReturnContext", _context())
    fake.on("ReturnReasons", REASONS)
    fake.on(
        "ReturnRequest",
        ok(
            {
                "returnRequest": {
                    "return": None,
                    "userErrors": [
                        {
                            "field": ["input", "returnLineItems", "0", "quantity"],
                            "message": "Quantity is not returnable",
                            "code": "INVALID",
                        }
                    ],
                }
            }
        ),
    )
    with pytest.raises(PlatformRejected) as caught:
        provider.create_return(
            order_id=ORDER_ID,
            reason="meh",
            line_items=[LineItemQuantity("gid://shopify/LineItem/2", 1)],
            idempotency_key=KEY,
        )
    assert caught.value.field == "input.returnLineItems.0.quantity"
    items = fake.calls[-1].variables["input"]["returnLineItems"]
    assert items[0]["returnReasonDefinitionId"] == "gid://shopify/ReturnReasonDefinition/9"
