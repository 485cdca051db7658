"""order_upsert_from_shopify / order_refund_merge_from_shopify on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.integrations.commerce.shopify.webhook_orders import (
    InvalidShopifyPayload,
    RefundMergeResult,
    UpsertResult,
    order_refund_merge_from_shopify,
    order_upsert_from_shopify,
)
from apps.orders.models import Order
from tests.webhooks.concurrency import run_concurrently
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db

ORDER_GID = "gid://shopify/Order/820982911946154508"
PINK = "gid://shopify/LineItem/866550311766439020"
BLACK = "gid://shopify/LineItem/141249953214522974"


def test_an_order_payload_maps_to_the_provider_neutral_snapshot(store):
    assert order_upsert_from_shopify(store, fixture("orders_create")) is UpsertResult.CREATED

    order = Order.objects.get(store=store)
    assert order.platform_order_id == ORDER_GID
    assert (order.name, order.number) == ("#1001", 1001)
    assert order.customer_platform_id == "gid://shopify/Customer/115310627314723954"
    assert (order.email, order.phone, order.customer_name) == (
        "jon@example.com", "+15550101234", "Jon Snow",
    )  # fmt: skip
    assert (order.financial_status, order.fulfillment_status) == ("paid", "unfulfilled")
    assert (order.cancelled_at, order.cancel_reason) == (None, "")
    assert order.currency == "USD"
    assert (order.subtotal_price, order.total_shipping, order.total_tax, order.total_price) == (
        Decimal("104.00"), Decimal("5.00"), Decimal("4.36"), Decimal("113.36"),
    )  # fmt: skip
    assert order.total_refunded == Decimal("0")
    assert order.line_items == [
        {
            "id": PINK, "product_id": "gid://shopify/Product/632910392",
            "variant_id": "gid://shopify/ProductVariant/808950810", "title": "IPod Nano - 8GB",
            "variant_title": "Pink", "sku": "IPOD2008PINK", "quantity": 1, "price": "59.00",
            "fulfilled_quantity": 0, "refunded_quantity": 0, "tags": [],
        },
        {
            "id": BLACK, "product_id": "gid://shopify/Product/632910392",
            "variant_id": "gid://shopify/ProductVariant/457924702", "title": "IPod Nano - 8GB",
            "variant_title": "Black", "sku": "IPOD2008BLACK", "quantity": 3, "price": "15.00",
            "fulfilled_quantity": 0, "refunded_quantity": 0, "tags": [],
        },
    ]  # fmt: skip
    assert order.fulfillments == []
    assert order.refunds == []
    assert order.shipping_address == {
        "name": "Steve Shipper", "address1": "123 Shipping Street", "address2": "",
        "city": "Shippington", "province": "Kentucky", "zip": "40003",
        "country": "United States", "country_code": "US", "phone": "555-555-SHIP",
    }  # fmt: skip
    assert order.billing_address["name"] == "Jon Snow"
    assert order.tags == ["vip", "wholesale"]
    assert order.note == "Please leave at the side door"
    assert order.status_url.startswith("https://jsmith.myshopify.com/548380009/orders/")
    assert order.platform_created_at == datetime(2026, 3, 2, 15, 15, 31, tzinfo=UTC)
    assert order.platform_updated_at == datetime(2026, 3, 2, 15, 15, 33, tzinfo=UTC)


def test_fulfillments_carry_every_tracking_number_and_the_fulfilled_quantities(store):
    order_upsert_from_shopify(store, fixture("orders_create"))
    assert order_upsert_from_shopify(store, fixture("orders_fulfilled")) is UpsertResult.UPDATED

    order = Order.objects.get(store=store)
    assert order.fulfillment_status == "fulfilled"
    assert order.fulfillments == [
        {
            "id": "gid://shopify/Fulfillment/255858046", "status": "success",
            "shipment_status": "in_transit", "tracking_company": "UPS",
            "tracking_number": "1Z2345",
            "tracking_url": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1Z2345",
            "tracking": [
                {"number": "1Z2345", "company": "UPS",
                 "url": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1Z2345"},
                {"number": "1Z2346", "company": "UPS",
                 "url": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1Z2346"},
            ],
            "created_at": "2026-03-03T09:01:50-05:00", "updated_at": "2026-03-03T09:02:10-05:00",
            "estimated_delivery_at": None, "delivered_at": None,
            "latest_event": "", "latest_event_at": None,
            "line_items": [{"id": PINK, "quantity": 1}, {"id": BLACK, "quantity": 3}],
        }
    ]  # fmt: skip
    assert [i["fulfilled_quantity"] for i in order.line_items] == [1, 3]


def test_a_delivered_fulfillment_records_when_it_was_delivered(store):
    payload = fixture("orders_fulfilled")
    payload["fulfillments"][0]["shipment_status"] = "delivered"
    order_upsert_from_shopify(store, payload)
    assert Order.objects.get().fulfillments[0]["delivered_at"] == "2026-03-03T09:02:10-05:00"


def test_an_older_update_never_overwrites_a_newer_snapshot(store):
    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    before = Order.objects.values().get()

    older = fixture("orders_create")  # updated_at a day earlier, still unfulfilled
    older["email"] = "changed@example.com"
    assert order_upsert_from_shopify(store, older) is UpsertResult.STALE

    assert Order.objects.values().get() == before


def test_a_redelivery_with_the_same_updated_at_is_applied_idempotently(store):
    order_upsert_from_shopify(store, fixture("orders_create"))
    assert order_upsert_from_shopify(store, fixture("orders_create")) is UpsertResult.UPDATED
    assert Order.objects.count() == 1


def test_a_cancelled_order_with_its_refund(store):
    order_upsert_from_shopify(store, fixture("orders_cancelled"))
    order = Order.objects.get()
    assert order.is_cancelled
    assert (order.cancel_reason, order.financial_status) == ("customer", "refunded")
    assert order.total_refunded == Decimal("113.36")
    assert order.refunds == [
        {
            "id": "gid://shopify/Refund/509562970", "amount": "113.36", "currency": "USD",
            "created_at": "2026-03-02T11:00:01-05:00", "note": "Order cancelled",
            "line_items": [{"id": PINK, "quantity": 1}, {"id": BLACK, "quantity": 3}],
        }
    ]  # fmt: skip
    assert [i["refunded_quantity"] for i in order.line_items] == [1, 3]


def test_a_refund_is_merged_once_however_often_it_is_delivered(store):
    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    refund = fixture("refunds_create")

    assert order_refund_merge_from_shopify(store, refund) is RefundMergeResult.MERGED
    assert order_refund_merge_from_shopify(store, refund) is RefundMergeResult.DUPLICATE

    order = Order.objects.get()
    assert order.total_refunded == Decimal("15.71")
    assert [r["id"] for r in order.refunds] == ["gid://shopify/Refund/509562969"]
    assert order.refunds[0]["line_items"] == [{"id": BLACK, "quantity": 1}]
    assert [i["refunded_quantity"] for i in order.line_items] == [0, 1]


def test_a_refund_survives_a_later_order_payload_serialised_before_it(store):
    order_upsert_from_shopify(store, fixture("orders_create"))
    order_refund_merge_from_shopify(store, fixture("refunds_create"))
    newer_without_refund = fixture("orders_fulfilled")  # newer updated_at, empty refunds

    assert order_upsert_from_shopify(store, newer_without_refund) is UpsertResult.UPDATED

    order = Order.objects.get()
    assert order.fulfillment_status == "fulfilled"
    assert order.total_refunded == Decimal("15.71")
    assert [i["refunded_quantity"] for i in order.line_items] == [0, 1]


def test_a_refund_the_agent_recorded_keeps_its_idempotency_key_when_shopify_reports_it(store):
    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    order = Order.objects.get()
    order.refunds = [
        {"id": "gid://shopify/Refund/509562969", "amount": "15.71", "currency": "USD",
         "created_at": "2026-03-05T14:20:07-05:00", "note": "", "line_items": [],
         "idempotency_key": "refund:conv-7:gid://shopify/Order/820982911946154508:15.71",
         "notify_customer": True},
    ]  # fmt: skip
    order.save()

    order_refund_merge_from_shopify(store, fixture("refunds_create"))  # already known: kept
    payload = fixture("orders_fulfilled")
    payload["updated_at"] = "2026-03-05T14:20:09-05:00"
    payload["refunds"] = [fixture("refunds_create")]
    order_upsert_from_shopify(store, payload)

    (refund,) = Order.objects.get().refunds
    assert refund["idempotency_key"].startswith("refund:conv-7:")
    assert refund["note"] == "Black iPod arrived scratched"
    assert refund["line_items"] == [{"id": BLACK, "quantity": 1}]


def test_the_snapshot_reads_back_through_the_commerce_protocol(store):
    from apps.integrations.commerce.snapshot import order_to_info

    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    order_refund_merge_from_shopify(store, fixture("refunds_create"))
    info = order_to_info(Order.objects.get())
    assert (info.id, info.number, info.customer_id) == (
        ORDER_GID, 1001, "gid://shopify/Customer/115310627314723954",
    )  # fmt: skip
    assert [t.number for t in info.fulfillments[0].tracking] == ["1Z2345", "1Z2346"]
    assert info.total_refunded == Decimal("15.71")
    assert {i.id: i.refunded_quantity for i in info.line_items} == {PINK: 0, BLACK: 1}


def test_a_refund_for_an_order_not_in_the_snapshot_writes_nothing(store):
    result = order_refund_merge_from_shopify(store, fixture("refunds_create"))
    assert result is RefundMergeResult.ORDER_MISSING
    assert Order.objects.count() == 0


def test_failed_or_pending_refund_transactions_return_no_money(store):
    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    refund = fixture("refunds_create")
    refund["transactions"][0]["status"] = "failure"
    order_refund_merge_from_shopify(store, refund)
    assert Order.objects.get().total_refunded == Decimal("0")


def test_orders_are_scoped_to_their_store(store, other_store):
    order_upsert_from_shopify(store, fixture("orders_create"))
    order_upsert_from_shopify(other_store, fixture("orders_fulfilled"))
    assert Order.objects.get(store=store).fulfillment_status == "unfulfilled"
    assert Order.objects.get(store=other_store).fulfillment_status == "fulfilled"
    assert (
        order_refund_merge_from_shopify(other_store, fixture("refunds_create"))
        is RefundMergeResult.MERGED
    )
    assert Order.objects.get(store=store).refunds == []


@pytest.mark.parametrize(
    ("label_case", "mangle"),
    [
        ("no_id", lambda p: p.pop("id")),
        ("no_updated_at", lambda p: p.pop("updated_at")),
        ("id_not_a_number", lambda p: p.update(id="not-a-number")),
        ("line_items_not_a_list", lambda p: p.update(line_items={"id": 1})),
        ("bad_money", lambda p: p.update(total_price="lots")),
    ],
)
def test_a_payload_that_is_not_an_order_is_refused_and_changes_nothing(store, label_case, mangle):
    payload = fixture("orders_create")
    mangle(payload)
    with pytest.raises(InvalidShopifyPayload) as raised:
        order_upsert_from_shopify(store, payload)
    assert "jon@example.com" not in str(raised.value)  # no customer data in errors
    assert Order.objects.count() == 0


def test_a_refund_without_an_order_id_is_refused(store):
    refund = fixture("refunds_create")
    refund.pop("order_id")
    with pytest.raises(InvalidShopifyPayload):
        order_refund_merge_from_shopify(store, refund)


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_end_with_the_newest_version_whatever_the_order(store):
    versions = [fixture("orders_create"), fixture("orders_fulfilled"), fixture("orders_create")]
    results = run_concurrently([lambda p=p: order_upsert_from_shopify(store, p) for p in versions])

    assert UpsertResult.CREATED in results
    order = Order.objects.get()
    assert order.fulfillment_status == "fulfilled"
    assert order.platform_updated_at == datetime(2026, 3, 3, 14, 2, 11, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_racing_refund_deliveries_merge_once(store):
    order_upsert_from_shopify(store, fixture("orders_fulfilled"))
    refund = fixture("refunds_create")
    results = run_concurrently([lambda: order_refund_merge_from_shopify(store, refund)] * 5)
    assert sorted(results) == ["duplicate"] * 4 + ["merged"]
    assert Order.objects.get().total_refunded == Decimal("15.71")
