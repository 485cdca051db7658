"""The Order row <-> OrderInfo mapping: lossless both ways, and never thrown by bad JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.integrations.commerce.base import Fulfillment, Tracking
from apps.integrations.commerce.demo import data
from apps.integrations.commerce.snapshot import (
    fulfillment_from_json,
    fulfillment_to_json,
    info_to_order_fields,
    order_to_info,
)
from apps.orders.models import Order
from tests.factories import OrderFactory

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
DEMO_ORDERS = data.demo_orders(NOW)


@pytest.mark.parametrize("info", DEMO_ORDERS, ids=lambda o: o.name)
def test_every_demo_order_survives_the_round_trip_in_memory(info: object) -> None:
    assert order_to_info(Order(**info_to_order_fields(info))) == info  # type: ignore[arg-type]


@pytest.mark.django_db
def test_every_demo_order_survives_the_round_trip_through_postgres(store: object) -> None:
    for info in DEMO_ORDERS:
        row = Order.objects.create(store=store, **info_to_order_fields(info))
        assert order_to_info(Order.objects.get(pk=row.pk)) == info


def test_several_parcels_in_one_fulfillment_round_trip() -> None:
    parcel = Fulfillment(
        id="f1",
        status="success",
        tracking=(Tracking("A1", "UPS", "https://u/A1"), Tracking("B2", "UPS", "https://u/B2")),
    )

    row = fulfillment_to_json(parcel)

    assert row["tracking_number"] == "A1"
    assert fulfillment_from_json(row) == parcel


def test_a_fulfillment_without_tracking_has_none() -> None:
    assert (
        fulfillment_from_json({"id": "f1", "tracking_number": "", "tracking_url": None}).tracking
        == ()
    )


def _row(**fields: object) -> Order:
    base: dict[str, object] = {"platform_order_id": "x1", "name": "#77", "number": 77}
    base.update(fields)
    return Order(**base)


def test_a_webhook_row_with_almost_nothing_still_reads() -> None:
    info = order_to_info(Order(platform_order_id="gid://shopify/Order/1", name=""))

    assert info.id == "gid://shopify/Order/1"
    assert (info.name, info.number) == ("", None)
    assert info.line_items == info.fulfillments == info.refunds == ()
    assert info.shipping_address is None
    assert info.total_price == 0
    assert info.fulfillment_status == "unfulfilled"
    assert info.financial_status == "unknown"


def test_the_number_is_read_from_the_name_when_missing() -> None:
    info = order_to_info(_row(number=None, name="#1042"))

    assert info.number == 1042


@pytest.mark.parametrize(
    "value", ["not json", "{}", '{"a": 1}', 42, None, {"id": "x"}, [1, "two", None]]
)
def test_json_columns_of_the_wrong_shape_read_as_empty(value: object) -> None:
    info = order_to_info(_row(line_items=value, fulfillments=value, refunds=value))

    assert info.line_items == info.fulfillments == info.refunds == ()


@pytest.mark.parametrize("value", [42, None, {"id": "x"}, [None, {"a": 1}, ""]])
def test_tags_of_the_wrong_shape_read_as_none(value: object) -> None:
    assert order_to_info(_row(tags=value)).tags == ()


def test_double_encoded_json_is_read_through() -> None:
    items = [{"id": "li1", "title": "Hat", "quantity": 2, "price": "10.00"}]

    info = order_to_info(_row(line_items=json.dumps(items), tags='["a", "b"]'))

    assert [(i.id, i.quantity, i.price) for i in info.line_items] == [("li1", 2, Decimal("10.00"))]
    assert info.tags == ("a", "b")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"quantity": "3", "price": "9.50"}, (3, Decimal("9.50"))),
        ({"quantity": 2.0, "price": 7}, (2, Decimal("7"))),
        ({"quantity": "2.5", "price": "abc"}, (0, Decimal("0"))),
        ({"quantity": -4, "price": "NaN"}, (0, Decimal("0"))),
        ({"quantity": True, "price": "Infinity"}, (0, Decimal("0"))),
        ({"price": {"amount": "12.00", "currencyCode": "USD"}}, (0, Decimal("12.00"))),
        ({}, (0, Decimal("0"))),
    ],
)
def test_line_item_numbers_are_read_defensively(
    raw: dict[str, object], expected: tuple[int, Decimal]
) -> None:
    [item] = order_to_info(_row(line_items=[{"id": "li", **raw}])).line_items

    assert (item.quantity, item.price) == expected
    assert item.refundable_quantity == expected[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2030-01-02T03:04:05Z", NOW),
        ("2030-01-02T04:04:05+01:00", NOW),
        ("2030-01-02T03:04:05", NOW),  # naive: taken as UTC
        ("2030-13-45T00:00:00Z", None),
        ("yesterday", None),
        (12345, None),
        ("", None),
    ],
)
def test_timestamps_are_read_defensively(value: object, expected: datetime | None) -> None:
    [parcel] = order_to_info(_row(fulfillments=[{"id": "f", "delivered_at": value}])).fulfillments

    assert parcel.delivered_at == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("PARTIALLY_REFUNDED", "partially_refunded"),
        ("Partially refunded", "partially_refunded"),
        ("paid", "paid"),
        ("chargeback", "unknown"),
        (None, "unknown"),
    ],
)
def test_financial_status_spellings(stored: object, expected: str) -> None:
    assert order_to_info(_row(financial_status=stored)).financial_status == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, "unfulfilled"),
        ("", "unfulfilled"),
        ("partial", "partially_fulfilled"),
        ("FULFILLED", "fulfilled"),
        ("in_progress", "unknown"),
    ],
)
def test_fulfillment_status_spellings(stored: object, expected: str) -> None:
    assert order_to_info(_row(fulfillment_status=stored)).fulfillment_status == expected


def test_tags_as_one_string_are_split_and_deduplicated() -> None:
    assert order_to_info(_row(tags="vip, gift ,VIP,,")).tags == ("vip", "gift")


def test_an_address_of_the_wrong_shape_is_none() -> None:
    assert order_to_info(_row(shipping_address="12 Elm St")).shipping_address is None
    assert order_to_info(_row(shipping_address={"city": None})).shipping_address is None
    address = order_to_info(_row(shipping_address={"city": "Leeds", "zip": 12345})).shipping_address
    assert address is not None
    assert (address.city, address.zip) == ("Leeds", "12345")


def test_quantities_on_parcels_and_refunds_skip_junk() -> None:
    info = order_to_info(
        _row(
            fulfillments=[{"id": "f", "line_items": [{"id": "a", "quantity": 1}, {"id": ""}, "x"]}],
            refunds=[
                {"id": "r", "amount": "5", "line_items": [{"line_item_id": "a", "quantity": "1"}]}
            ],
        )
    )

    assert [(q.line_item_id, q.quantity) for q in info.fulfillments[0].line_items] == [("a", 1)]
    assert [(q.line_item_id, q.quantity) for q in info.refunds[0].line_items] == [("a", 1)]
    assert info.refunds[0].amount == Decimal("5")


def test_model_values_not_yet_saved_are_coerced() -> None:
    """An unsaved factory row holds strings where the database would give Decimals."""
    row = OrderFactory.build(total_price="49.00", total_refunded="9.00")

    info = order_to_info(row)

    assert info.total_price == Decimal("49.00")
    assert info.refundable_amount == Decimal("40.00")


def test_a_changed_order_maps_back_to_the_same_fields() -> None:
    info = replace(DEMO_ORDERS[0], note="hello", tags=("a",), cancel_reason="")

    fields = info_to_order_fields(info)

    assert fields["note"] == "hello"
    assert fields["tags"] == ["a"]
    assert fields["line_items"][0]["price"] == "65.00"
    assert fields["fulfillments"][0]["latest_event"] == "Departed facility, Louisville KY"
