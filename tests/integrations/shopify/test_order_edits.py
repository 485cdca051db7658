from __future__ import annotations

import pytest

from apps.integrations.commerce.base import Address, PlatformRejected
from apps.orders.models import Order
from tests.clock import iso_ago
from tests.integrations.shopify import answers
from tests.integrations.shopify.answers import ok

pytestmark = pytest.mark.django_db
ORDER_ID = "gid://shopify/Order/6001"
NEW_ADDRESS = Address(
    name="Jane Doe",
    address1="9 Elm St",
    city="Portland",
    province="OR",
    zip="97201",
    country_code="US",
)


def _unshipped(**kwargs):  # type: ignore[no-untyped-def]
    return answers.order(
        1001,
        fulfillment_status="UNFULFILLED",
        fulfillments=[],
        line_items=[answers.line_item(1, unfulfilled=1)],
        **kwargs,
    )


def test_cancel_sends_reason_restock_and_refund_method_and_waits_for_the_job(
    provider, fake, sleeps
):
    fake.on(
        "OrderById",
        [
            ok({"order": _unshipped()}),
            ok({"order": _unshipped(cancelled_at=iso_ago(hours=1))}),
        ],
    )
    fake.on(
        "OrderCancel",
        ok(
            {
                "orderCancel": {
                    "job": {"id": "gid://shopify/Job/abc", "done": False},
                    "orderCancelUserErrors": [],
                }
            }
        ),
    )
    fake.on(
        "JobStatus",
        [
            ok({"job": {"id": "gid://shopify/Job/abc", "done": False}}),
            ok({"job": {"id": "gid://shopify/Job/abc", "done": True}}),
        ],
    )

    result = provider.cancel_order(
        order_id=ORDER_ID, reason="customer", refund=True, restock=True, idempotency_key="act-7"
    )

    assert result.evidence["job_done"] is True
    assert result.refunded
    cancel = next(c for c in fake.calls if c.operation == "OrderCancel")
    assert cancel.variables["reason"] == "CUSTOMER"
    assert cancel.variables["restock"] is True
    assert cancel.variables["refundMethod"] == {"originalPaymentMethodsRefund": True}
    assert fake.ops().count("JobStatus") == 2
    assert Order.objects.get(platform_order_id=ORDER_ID).cancelled_at is not None


def test_an_order_already_cancelled_is_not_cancelled_again(provider, fake):
    fake.on("OrderById", ok({"order": _unshipped(cancelled_at=iso_ago(hours=1))}))
    with pytest.raises(PlatformRejected) as caught:
        provider.cancel_order(
            order_id=ORDER_ID,
            reason="customer",
            refund=False,
            restock=False,
            idempotency_key="act-7",
        )
    assert caught.value.code == "ALREADY_CANCELLED"
    assert "OrderCancel" not in fake.ops()


def test_a_retried_cancel_with_the_same_key_is_answered_without_a_second_mutation(provider, fake):
    fake.on(
        "OrderById",
        [
            ok({"order": _unshipped()}),
            ok({"order": _unshipped(cancelled_at=iso_ago(hours=1))}),
        ],
    )
    fake.on(
        "OrderCancel",
        ok(
            {
                "orderCancel": {
                    "job": {"id": "gid://shopify/Job/abc", "done": True},
                    "orderCancelUserErrors": [],
                }
            }
        ),
    )
    provider.cancel_order(
        order_id=ORDER_ID, reason="customer", refund=False, restock=False, idempotency_key="act-7"
    )

    again = provider.cancel_order(
        order_id=ORDER_ID, reason="customer", refund=False, restock=False, idempotency_key="act-7"
    )

    assert again.evidence["replayed"] is True
    assert fake.ops().count("OrderCancel") == 1


def test_a_shipped_order_is_not_cancelled(provider, fake):
    fake.on("OrderById", ok({"order": answers.order(1001)}))
    with pytest.raises(PlatformRejected) as caught:
        provider.cancel_order(
            order_id=ORDER_ID, reason="customer", refund=True, restock=True, idempotency_key="act-9"
        )
    assert caught.value.code == "ALREADY_FULFILLED"
    assert "OrderCancel" not in fake.ops()


def test_cancel_user_errors_are_typed(provider, fake):
    fake.on("OrderById", ok({"order": _unshipped()}))
    fake.on(
        "OrderCancel",
        ok(
            {
                "orderCancel": {
                    "job": None,
                    "orderCancelUserErrors": [
                        {
                            "field": ["orderId"],
                            "message": "Order has already been fulfilled",
                            "code": "INVALID",
                        }
                    ],
                }
            }
        ),
    )
    with pytest.raises(PlatformRejected) as caught:
        provider.cancel_order(
            order_id=ORDER_ID,
            reason="customer",
            refund=False,
            restock=False,
            idempotency_key="act-7",
        )
    assert caught.value.code == "INVALID"
    assert caught.value.field == "orderId"


def test_the_address_changes_before_fulfilment(provider, fake):
    fake.on("OrderById", ok({"order": _unshipped()}))
    updated = _unshipped(updated_at=iso_ago(days=13))  # newer than the copy read first
    updated["shippingAddress"] = {**updated["shippingAddress"], "address1": "9 Elm St"}
    fake.on("OrderUpdate", ok({"orderUpdate": {"order": updated, "userErrors": []}}))

    order = provider.update_shipping_address(
        order_id=ORDER_ID, address=NEW_ADDRESS, idempotency_key="act-8"
    )

    assert order.shipping_address.address1 == "9 Elm St"
    sent = next(c for c in fake.calls if c.operation == "OrderUpdate").variables["input"]
    assert sent == {
        "id": ORDER_ID,
        "shippingAddress": {
            "firstName": "Jane",
            "lastName": "Doe",
            "address1": "9 Elm St",
            "city": "Portland",
            "zip": "97201",
            "countryCode": "US",
            "provinceCode": "OR",
        },
    }


def test_the_address_of_a_shipped_order_cannot_change(provider, fake):
    fake.on("OrderById", ok({"order": answers.order(1001)}))
    with pytest.raises(PlatformRejected) as caught:
        provider.update_shipping_address(
            order_id=ORDER_ID, address=NEW_ADDRESS, idempotency_key="act-8"
        )
    assert caught.value.code == "ALREADY_FULFILLED"
    assert "OrderUpdate" not in fake.ops()


def test_a_note_is_appended_never_overwritten_and_tags_are_added(provider, fake):
    fake.on("OrderNote", ok({"order": {"id": ORDER_ID, "note": "Gift wrap please"}}))
    fake.on("OrderUpdate", ok({"orderUpdate": {"order": answers.order(1001), "userErrors": []}}))
    tagged = answers.order(1001, updated_at=iso_ago(days=13))  # newer than the note update
    tagged["tags"] = ["vip", "aftersale", "needs review"]
    fake.on("TagsAdd", ok({"tagsAdd": {"node": tagged, "userErrors": []}}))

    provider.add_note(
        order_id=ORDER_ID,
        note="Customer asked  about delivery",
        tags=["aftersale", "needs, review"],
    )

    # The snapshot shows the tags at once, without waiting for the webhook.
    row = Order.objects.get(platform_order_id=ORDER_ID)
    assert row.tags == ["vip", "aftersale", "needs review"]

    update = next(c for c in fake.calls if c.operation == "OrderUpdate")
    assert update.variables["input"] == {
        "id": ORDER_ID,
        "note": "Gift wrap please\nCustomer asked about delivery",
    }
    tags = next(c for c in fake.calls if c.operation == "TagsAdd")
    assert tags.variables["tags"] == ["aftersale", "needs review"]


def test_the_same_note_twice_is_written_once(provider, fake):
    fake.on("OrderNote", ok({"order": {"id": ORDER_ID, "note": "x\nCustomer asked"}}))
    provider.add_note(order_id=ORDER_ID, note="Customer asked")
    assert fake.ops() == ["OrderNote"]


def test_tags_on_an_order_shopify_does_not_know_are_refused(provider, fake):
    fake.on(
        "TagsAdd",
        ok(
            {
                "tagsAdd": {
                    "node": None,
                    "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
                }
            }
        ),
    )
    with pytest.raises(PlatformRejected) as caught:
        provider.add_note(order_id=ORDER_ID, tags=["x"])
    assert caught.value.field == "id"
    assert Order.objects.count() == 0
