"""An order's payments outside Shopify Payments: read by their own small query, in the
shapes Shopify documents (OrderTransaction, Attribute), kept on the snapshot until the
order changes, and never emptied by the order reads that leave payments out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.commerce.base import OrderNotFound, PaymentReference
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.payments import references_from_node
from apps.orders.models import Order
from standins.shopify import graph
from standins.shopify.build import demo_shop, paid_through_stripe

pytestmark = pytest.mark.django_db

PI = "pi_3NabcdefGH12345678"
CH = "ch_3NabcdefGH12345678"
ORDER = "gid://shopify/Order/10001002"


def _txn(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "gateway": "stripe",
        "kind": "SALE",
        "status": "SUCCESS",
        "authorizationCode": None,
        "paymentId": "c10001002.1",
        "receiptJson": "{}",
        "amountSet": {"shopMoney": {"amount": "45.00", "currencyCode": "USD"}},
    }
    return base | fields


def test_a_stripe_transaction_names_its_payment_intent() -> None:
    assert references_from_node({"transactions": [_txn(authorizationCode=PI)]}) == (
        PaymentReference("stripe", PI, "transaction"),
    )
    # Only in the receipt, which also names the intent's charge: the intent is the payment.
    receipt = json.dumps({"id": PI, "object": "payment_intent", "latest_charge": CH})
    assert references_from_node({"transactions": [_txn(receiptJson=receipt)]}) == (
        PaymentReference("stripe", PI, "transaction"),
    )
    # Authorization then capture of one intent: one payment.
    both = [
        _txn(kind="AUTHORIZATION", authorizationCode=PI),
        _txn(kind="CAPTURE", receiptJson=json.dumps({"payment_intent": PI})),
    ]
    assert [p.reference for p in references_from_node({"transactions": both})] == [PI]


def test_failed_attempts_refunds_and_shopify_payments_name_no_stripe_payment() -> None:
    node = {
        "transactions": [
            _txn(status="FAILURE", authorizationCode="pi_3Nfailedattempt0001"),
            _txn(kind="REFUND", authorizationCode="pi_3Nrefundedearlier01"),
            _txn(gateway="shopify_payments", receiptJson=json.dumps({"id": PI})),
        ]
    }
    assert references_from_node(node) == ()


def test_a_stripe_transaction_without_an_id_is_kept_to_be_refused() -> None:
    node = {"transactions": [_txn(receiptJson="not json", paymentId="c10001002.1")]}
    assert references_from_node(node) == (PaymentReference("stripe", "", "transaction"),)


def test_note_attributes_count_only_when_no_other_gateway_took_money() -> None:
    attributes = [
        {"key": "stripe_payment_intent", "value": PI},
        {"key": "gift_wrapped", "value": "pi_3Nnotastripekey0001"},
    ]
    manual = {"transactions": [_txn(gateway="manual")], "customAttributes": attributes}
    assert references_from_node(manual) == (
        PaymentReference("stripe", PI, "attribute:stripe_payment_intent"),
    )
    paid_on_shopify = {
        "transactions": [_txn(gateway="shopify_payments")],
        "customAttributes": attributes,
    }
    assert references_from_node(paid_on_shopify) == ()


def test_the_query_stays_small_and_asks_for_the_documented_fields(fake) -> None:  # type: ignore[no-untyped-def]
    request = graph.parse_request(documents.ORDER_PAYMENTS.document, {"id": "x"}, "OrderPayments")
    assert graph.requested_cost(request) <= documents.ORDER_PAYMENTS.estimated_cost <= 50
    assert documents.ORDER_PAYMENTS not in (documents.ORDER_BY_ID, documents.ORDERS_PAGE)
    assert "transactions" not in documents.ORDER_FRAGMENT


def test_read_once_per_order_version_and_kept_through_order_reads(  # type: ignore[no-untyped-def]
    provider, fake
) -> None:
    demo_shop(fake.shop, timezone.now())
    paid_through_stripe(fake.shop.orders[ORDER], PI)
    assert provider.get_order(ORDER) is not None  # the snapshot row, read without payments

    assert provider.order_payments(ORDER) == (PaymentReference("stripe", PI, "transaction"),)
    assert provider.order_payments(ORDER) == (PaymentReference("stripe", PI, "transaction"),)
    assert fake.ops().count("OrderPayments") == 1

    provider.orders.fetch(ORDER)  # an order read of the same version keeps what was read
    row = Order.objects.get(platform_order_id=ORDER)
    assert [r["reference"] for r in row.payment_references] == [PI]
    assert provider.order_payments(ORDER)[0].reference == PI
    assert fake.ops().count("OrderPayments") == 1

    # The order changed on Shopify since: its payments are read again.
    order = fake.shop.orders[ORDER]
    order.updated_at += timedelta(minutes=5)
    provider.orders.fetch(ORDER)
    provider.order_payments(ORDER)
    assert fake.ops().count("OrderPayments") == 2


def test_an_order_shopify_does_not_have_is_not_found(provider, fake) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OrderNotFound):
        provider.order_payments("gid://shopify/Order/404")


def test_the_standin_serves_shopify_payments_by_default(provider, fake) -> None:  # type: ignore[no-untyped-def]
    demo_shop(fake.shop, timezone.now())
    assert provider.order_payments(ORDER) == ()
    (answer,) = [c for c in fake.calls if c.operation == "OrderPayments"]
    assert answer.variables == {"id": ORDER}
