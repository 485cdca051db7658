"""The behaviour every commerce provider shows (see contract.py for how a backend plugs in)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.integrations.commerce.base import (
    Address,
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
    RefundResult,
)
from tests.integrations.commerce.contract import (
    ALEX,
    CANCELLED,
    DELIVERED,
    FOREIGN,
    IN_TRANSIT,
    JANE,
    LABEL_PRINTED,
    NOBODY,
    ORDERS_OF,
    PARTIALLY_FULFILLED,
    PARTIALLY_REFUNDED,
    PRIYA,
    REFUNDED,
    SAM,
    UNFULFILLED,
    ContractWorld,
    OrderRef,
    Person,
    line,
)

NEW_ADDRESS = Address(
    address1="9 Oak Ave",
    address2="Unit 2",
    city="Springfield",
    province="IL",
    zip="62704",
    country="United States",
    country_code="US",
)


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- finding orders


@pytest.mark.parametrize(
    "written", ["#1001", "1001", " #1001 ", "order no. 1001", "Order #1001", "order 1001"]
)
def test_it_finds_an_order_by_number_in_every_written_form(
    world: ContractWorld, written: str
) -> None:
    found = world.provider.find_order(written, email=JANE.email)

    assert found is not None
    assert (found.number, found.name) == (1001, "#1001")


def test_it_finds_by_email_ignoring_case_and_spaces(world: ContractWorld) -> None:
    found = world.provider.find_order("#1001", email="  Jane@EXAMPLE.com ")

    assert found is not None
    assert found.number == 1001


@pytest.mark.parametrize(
    "phone", ["+1 555-010-1001", "(555) 010-1001", "5550101001", "+15550101001"]
)
def test_it_finds_by_phone_in_any_format(world: ContractWorld, phone: str) -> None:
    found = world.provider.find_order("1001", phone=phone)

    assert found is not None
    assert found.number == 1001


def test_it_finds_by_an_international_phone(world: ContractWorld) -> None:
    found = world.provider.find_order("#1009", phone="020 7946 0958")

    assert found is not None
    assert found.email == PRIYA.email


def test_it_finds_by_customer_id(world: ContractWorld) -> None:
    found = world.provider.find_order("#1012", customer_id=world.customer_id(ALEX))

    assert found is not None
    assert found.customer_id == world.customer_id(ALEX)


def test_the_found_order_carries_what_the_agent_reports(world: ContractWorld) -> None:
    order = world.order(IN_TRANSIT)

    assert order.currency == "USD"
    assert (order.financial_status, order.fulfillment_status) == ("paid", "fulfilled")
    assert order.total_price == Decimal("89.00")
    assert order.refundable_amount == Decimal("89.00")
    assert (order.email, order.customer_id) == (JANE.email, world.customer_id(JANE))
    assert sorted((i.title, i.quantity, i.price) for i in order.line_items) == [
        ("Classic Hoodie", 1, Decimal("65.00")),
        ("Wool Socks", 2, Decimal("12.00")),
    ]
    assert line(order, "Classic Hoodie").variant_title == "M"
    assert order.shipping_address is not None
    assert order.shipping_address.address1 == "12 Elm St"
    assert order.created_at is not None
    assert order.created_at < _now()


@pytest.mark.parametrize(
    "identity",
    [
        {"email": SAM.email},
        {"email": "jane@example.org"},
        {"phone": SAM.phone},
        {"phone": "+1 555-010-1002"},
        {"customer_id": SAM.customer_id},
        {"email": NOBODY.email, "phone": NOBODY.phone, "customer_id": NOBODY.customer_id},
    ],
)
def test_a_wrong_identity_looks_exactly_like_a_missing_order(
    world: ContractWorld, identity: dict[str, str]
) -> None:
    wrong_owner = world.provider.find_order("#1001", **world.identity(identity))
    missing = world.provider.find_order("#9999", **world.identity(identity))

    assert wrong_owner is None
    assert wrong_owner == missing


def test_one_matching_identity_is_enough(world: ContractWorld) -> None:
    found = world.provider.find_order("#1001", email=SAM.email, phone=JANE.phone)

    assert found is not None
    assert found.number == 1001


@pytest.mark.parametrize(
    "identity", [{}, {"email": "", "phone": "", "customer_id": ""}, {"email": "  "}]
)
def test_finding_without_any_identity_is_refused(
    world: ContractWorld, identity: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="required"):
        world.provider.find_order("#1001", **identity)


@pytest.mark.parametrize("written", ["", "my order", "#", "order number please"])
def test_text_without_a_number_finds_nothing(world: ContractWorld, written: str) -> None:
    assert world.provider.find_order(written, email=JANE.email) is None


def test_get_order_returns_none_for_an_unknown_id(world: ContractWorld) -> None:
    assert world.provider.get_order("no-such-order") is None
    assert world.provider.get_order("") is None


# ---------------------------------------------------------------- tenancy


def test_another_stores_order_is_invisible(world: ContractWorld) -> None:
    foreign = world.foreign_order()

    assert world.provider.find_order(FOREIGN.name, email=JANE.email) is None
    assert world.provider.find_order(FOREIGN.name, customer_id=world.customer_id(JANE)) is None
    assert world.provider.get_order(foreign.id) is None
    with pytest.raises(OrderNotFound):
        world.provider.get_tracking(foreign.id)
    listed = world.provider.list_customer_orders(email=JANE.email, limit=50)
    assert FOREIGN.number not in [o.number for o in listed]


def test_another_stores_order_cannot_be_changed(world: ContractWorld) -> None:
    foreign = world.foreign_order()
    item = [LineItemQuantity(foreign.line_items[0].id, 1)]
    attempts = [
        lambda: world.provider.refund(
            order_id=foreign.id,
            amount=Decimal("1.00"),
            line_items=None,
            reason="x",
            idempotency_key="t-foreign-refund",
        ),
        lambda: world.provider.cancel_order(
            order_id=foreign.id,
            reason="customer",
            refund=True,
            restock=True,
            idempotency_key="t-foreign-cancel",
        ),
        lambda: world.provider.update_shipping_address(
            order_id=foreign.id, address=NEW_ADDRESS, idempotency_key="t-foreign-address"
        ),
        lambda: world.provider.add_note(order_id=foreign.id, note="x", tags=["x"]),
        lambda: world.provider.create_return(
            order_id=foreign.id, line_items=item, reason="x", idempotency_key="t-foreign-return"
        ),
    ]

    for attempt in attempts:
        with pytest.raises(OrderNotFound):
            attempt()

    assert world.foreign_order() == foreign


# ---------------------------------------------------------------- a customer's orders


def test_it_lists_a_customers_orders_newest_first(world: ContractWorld) -> None:
    orders = world.provider.list_customer_orders(email=JANE.email)

    assert sorted(o.number for o in orders) == sorted(ORDERS_OF[JANE])
    created = [o.created_at for o in orders]
    assert all(c is not None for c in created)
    assert created == sorted(created, reverse=True)
    assert [o.number for o in orders] == [1003, 1001, 1002]


@pytest.mark.parametrize("person", [JANE, SAM, PRIYA, ALEX], ids=lambda p: p.name)
def test_every_identity_lists_the_same_orders(world: ContractWorld, person: Person) -> None:
    by_email = world.provider.list_customer_orders(email=person.email)
    by_phone = world.provider.list_customer_orders(phone=person.phone)
    by_id = world.provider.list_customer_orders(customer_id=world.customer_id(person))

    numbers = [o.number for o in by_email]
    assert sorted(numbers) == sorted(ORDERS_OF[person])
    assert [o.number for o in by_phone] == numbers
    assert [o.number for o in by_id] == numbers


def test_listing_respects_the_limit(world: ContractWorld) -> None:
    orders = world.provider.list_customer_orders(email=JANE.email, limit=2)

    assert [o.number for o in orders] == [1003, 1001]


def test_an_unknown_customer_has_no_orders(world: ContractWorld) -> None:
    assert world.provider.list_customer_orders(email=NOBODY.email) == []
    assert world.provider.list_customer_orders(phone=NOBODY.phone) == []
    assert world.provider.list_customer_orders(customer_id=world.customer_id(NOBODY)) == []


def test_listing_without_any_identity_is_refused(world: ContractWorld) -> None:
    with pytest.raises(ValueError, match="required"):
        world.provider.list_customer_orders()


# ---------------------------------------------------------------- tracking


def test_tracking_of_a_parcel_in_transit(world: ContractWorld) -> None:
    order = world.order(IN_TRANSIT)

    [parcel] = world.provider.get_tracking(order.id)

    assert parcel.delivered_at is None
    [tracking] = parcel.tracking
    assert (tracking.company, tracking.number) == ("UPS", "1Z999AA10123456784")
    assert tracking.url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert world.reload(order).delivered_at is None
    if not world.carrier_events:
        assert parcel.shipment_status == ""
        return
    assert parcel.shipment_status == "in_transit"
    assert parcel.latest_event == "Departed facility, Louisville KY"
    assert parcel.estimated_delivery_at is not None
    assert parcel.estimated_delivery_at > _now()
    assert world.reload(order).delivered_at is None


def test_tracking_of_a_delivered_order(world: ContractWorld) -> None:
    order = world.order(DELIVERED)

    [parcel] = world.provider.get_tracking(order.id)

    assert parcel.tracking[0].number == "9400111899223344556677"
    assert parcel.shipment_status == "delivered"
    assert parcel.delivered_at is not None
    assert parcel.delivered_at < _now()
    assert parcel.tracking[0].number == "9400111899223344556677"
    assert order.delivered_at == parcel.delivered_at


def test_tracking_of_a_label_not_yet_picked_up(world: ContractWorld) -> None:
    [parcel] = world.provider.get_tracking(world.order(LABEL_PRINTED).id)

    assert parcel.tracking[0].number == "123456789012"
    assert parcel.tracking[0].company == "FedEx"
    if not world.carrier_events:
        assert (parcel.shipment_status, parcel.latest_event) == ("", "")
        return
    assert parcel.latest_event == "Label created"
    assert parcel.delivered_at is None


def test_a_partially_fulfilled_order_tracks_only_what_shipped(world: ContractWorld) -> None:
    order = world.order(PARTIALLY_FULFILLED)

    [parcel] = world.provider.get_tracking(order.id)

    assert order.fulfillment_status == "partially_fulfilled"
    assert [q.line_item_id for q in parcel.line_items] == [line(order, "Yoga Mat").id]
    assert line(order, "Water Bottle").fulfilled_quantity == 0


def test_an_unfulfilled_order_has_no_tracking(world: ContractWorld) -> None:
    assert world.provider.get_tracking(world.order(UNFULFILLED).id) == []


def test_tracking_an_unknown_order_raises(world: ContractWorld) -> None:
    with pytest.raises(OrderNotFound):
        world.provider.get_tracking("no-such-order")


# ---------------------------------------------------------------- refunds


def _refund(
    world: ContractWorld,
    order: OrderInfo,
    key: str,
    *,
    amount: Decimal | None = None,
    line_items: list[LineItemQuantity] | None = None,
) -> RefundResult:
    return world.provider.refund(
        order_id=order.id, amount=amount, line_items=line_items, reason="test", idempotency_key=key
    )


def test_refund_by_amount(world: ContractWorld) -> None:
    order = world.order(DELIVERED)

    result = world.provider.refund(
        order_id=order.id,
        amount=Decimal("10.00"),
        line_items=None,
        reason="Late delivery",
        idempotency_key="t-refund-amount",
    )

    assert result.amount == Decimal("10.00")
    assert result.currency == "USD"
    assert result.refund_id
    after = world.reload(order)
    assert after.total_refunded == Decimal("10.00")
    assert after.refundable_amount == Decimal("35.00")
    assert after.financial_status == "partially_refunded"
    assert [(r.id, r.amount) for r in after.refunds] == [(result.refund_id, Decimal("10.00"))]


def test_refund_by_items_is_worth_what_they_cost(world: ContractWorld) -> None:
    order = world.order(DELIVERED)
    shirt = line(order, "Everyday T-Shirt")

    result = world.provider.refund(
        order_id=order.id,
        amount=None,
        line_items=[LineItemQuantity(shirt.id, 1)],
        reason="Returned",
        idempotency_key="t-refund-items",
    )

    assert result.amount == shirt.price == Decimal("25.00")
    after = world.reload(order)
    assert line(after, "Everyday T-Shirt").refunded_quantity == 1
    assert line(after, "Canvas Cap").refunded_quantity == 0
    assert after.total_refunded == Decimal("25.00")
    [record] = after.refunds
    assert [(q.line_item_id, q.quantity) for q in record.line_items] == [(shirt.id, 1)]


def test_refunding_everything_left_marks_the_order_refunded(world: ContractWorld) -> None:
    order = world.order(PARTIALLY_REFUNDED)
    assert order.refundable_amount == Decimal("80.00")

    world.provider.refund(
        order_id=order.id,
        amount=Decimal("80.00"),
        line_items=None,
        reason="Returned",
        idempotency_key="t-refund-rest",
    )

    after = world.reload(order)
    assert after.financial_status == "refunded"
    assert after.total_refunded == after.total_price == Decimal("110.00")
    assert after.refundable_amount == 0


@pytest.mark.parametrize(
    ("ref", "amount"),
    [
        (DELIVERED, "45.01"),
        (DELIVERED, "1000.00"),
        (PARTIALLY_REFUNDED, "80.01"),
        (REFUNDED, "0.01"),
    ],
)
def test_a_refund_above_the_refundable_amount_is_rejected(
    world: ContractWorld, ref: OrderRef, amount: str
) -> None:
    order = world.order(ref)

    with pytest.raises(PlatformRejected):
        world.provider.refund(
            order_id=order.id,
            amount=Decimal(amount),
            line_items=None,
            reason="x",
            idempotency_key=f"t-refund-over-{amount}",
        )

    assert world.reload(order) == order


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_a_refund_of_nothing_or_less_is_rejected(world: ContractWorld, amount: str) -> None:
    order = world.order(DELIVERED)

    with pytest.raises(PlatformRejected):
        _refund(world, order, "t-refund-zero", amount=Decimal(amount))

    assert world.reload(order) == order


def test_refunding_more_items_than_bought_is_rejected(world: ContractWorld) -> None:
    order = world.order(DELIVERED)
    shirt = line(order, "Everyday T-Shirt")

    with pytest.raises(PlatformRejected):
        _refund(world, order, "t-refund-2-shirts", line_items=[LineItemQuantity(shirt.id, 2)])
    with pytest.raises(PlatformRejected):
        _refund(world, order, "t-refund-ghost", line_items=[LineItemQuantity("no-such-line", 1)])

    assert world.reload(order) == order


def test_refunding_an_already_refunded_item_is_rejected(world: ContractWorld) -> None:
    order = world.order(REFUNDED)
    hoodie = line(order, "Classic Hoodie")

    with pytest.raises(PlatformRejected):
        _refund(world, order, "t-refund-again", line_items=[LineItemQuantity(hoodie.id, 1)])

    assert world.reload(order) == order


def test_the_same_key_never_refunds_twice(world: ContractWorld) -> None:
    order = world.order(DELIVERED)

    first = _refund(world, order, "t-refund-once", amount=Decimal("10.00"))
    again = _refund(world, order, "t-refund-once", amount=Decimal("10.00"))

    assert again.refund_id == first.refund_id
    assert again.amount == first.amount == Decimal("10.00")
    after = world.reload(order)
    assert len(after.refunds) == 1
    assert after.total_refunded == Decimal("10.00")


def test_different_keys_are_different_refunds(world: ContractWorld) -> None:
    order = world.order(DELIVERED)

    first = _refund(world, order, "t-refund-a", amount=Decimal("10.00"))
    second = _refund(world, order, "t-refund-b", amount=Decimal("10.00"))

    assert first.refund_id != second.refund_id
    assert world.reload(order).total_refunded == Decimal("20.00")


# ---------------------------------------------------------------- cancellation


def test_an_unfulfilled_order_can_be_cancelled_and_refunded(world: ContractWorld) -> None:
    order = world.order(UNFULFILLED)

    result = world.provider.cancel_order(
        order_id=order.id,
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key="t-cancel-refund",
    )

    assert result.order_id == order.id
    assert result.refunded is True
    after = world.reload(order)
    assert after.is_cancelled
    assert after.financial_status == "refunded"
    assert after.total_refunded == after.total_price == Decimal("120.00")


def test_cancelling_without_refund_keeps_the_payment(world: ContractWorld) -> None:
    order = world.order(UNFULFILLED)

    result = world.provider.cancel_order(
        order_id=order.id,
        reason="customer",
        refund=False,
        restock=False,
        idempotency_key="t-cancel-no-refund",
    )

    assert result.refunded is False
    after = world.reload(order)
    assert after.is_cancelled
    assert after.total_refunded == 0
    assert after.financial_status == "paid"


@pytest.mark.parametrize(
    "ref", [IN_TRANSIT, DELIVERED, LABEL_PRINTED, PARTIALLY_FULFILLED, CANCELLED]
)
def test_an_order_that_shipped_or_is_cancelled_cannot_be_cancelled(
    world: ContractWorld, ref: OrderRef
) -> None:
    order = world.order(ref)

    with pytest.raises(PlatformRejected):
        world.provider.cancel_order(
            order_id=order.id,
            reason="customer",
            refund=True,
            restock=True,
            idempotency_key=f"t-cancel-{order.number}",
        )

    assert world.reload(order) == order


def test_a_cancelled_order_cannot_be_cancelled_again(world: ContractWorld) -> None:
    order = world.order(UNFULFILLED)
    world.provider.cancel_order(
        order_id=order.id, reason="customer", refund=True, restock=True, idempotency_key="t-c1"
    )
    cancelled = world.reload(order)

    with pytest.raises(PlatformRejected):
        world.provider.cancel_order(
            order_id=order.id, reason="customer", refund=True, restock=True, idempotency_key="t-c2"
        )

    assert world.reload(order) == cancelled


# ---------------------------------------------------------------- shipping address


def test_the_address_of_an_unfulfilled_order_can_change(world: ContractWorld) -> None:
    order = world.order(UNFULFILLED)

    updated = world.provider.update_shipping_address(
        order_id=order.id, address=NEW_ADDRESS, idempotency_key="t-address"
    )

    for info in (updated, world.reload(order)):
        assert info.shipping_address is not None
        assert info.shipping_address.address1 == "9 Oak Ave"
        assert (info.shipping_address.city, info.shipping_address.zip) == ("Springfield", "62704")
        assert info.shipping_address.country_code == "US"


@pytest.mark.parametrize("ref", [IN_TRANSIT, LABEL_PRINTED, PARTIALLY_FULFILLED, CANCELLED])
def test_the_address_cannot_change_once_shipped_or_cancelled(
    world: ContractWorld, ref: OrderRef
) -> None:
    order = world.order(ref)

    with pytest.raises(PlatformRejected):
        world.provider.update_shipping_address(
            order_id=order.id, address=NEW_ADDRESS, idempotency_key=f"t-address-{order.number}"
        )

    assert world.reload(order) == order


def test_an_incomplete_address_is_rejected(world: ContractWorld) -> None:
    order = world.order(UNFULFILLED)

    with pytest.raises(PlatformRejected):
        world.provider.update_shipping_address(
            order_id=order.id,
            address=Address(city="Springfield", country_code="US"),
            idempotency_key="t-address-incomplete",
        )

    assert world.reload(order) == order


# ---------------------------------------------------------------- notes and tags


def test_notes_append_and_tags_never_duplicate(world: ContractWorld) -> None:
    order = world.order(IN_TRANSIT)

    world.provider.add_note(order_id=order.id, note="Customer asked about delivery.", tags=["ai"])
    world.provider.add_note(
        order_id=order.id, note="Told them it arrives Friday.", tags=["AI", "vip", "vip"]
    )

    after = world.reload(order)
    first = after.note.index("Customer asked about delivery.")
    assert after.note.index("Told them it arrives Friday.") > first
    assert [t.lower() for t in after.tags].count("ai") == 1
    assert [t.lower() for t in after.tags].count("vip") == 1
    assert set(order.tags) <= set(after.tags)


# ---------------------------------------------------------------- returns


def test_a_delivered_item_can_be_returned(world: ContractWorld) -> None:
    order = world.order(DELIVERED)
    shirt = line(order, "Everyday T-Shirt")

    result = world.provider.create_return(
        order_id=order.id,
        line_items=[LineItemQuantity(shirt.id, 1)],
        reason="Too small",
        idempotency_key="t-return",
    )

    assert result.return_id
    assert result.status in ("requested", "open")


def test_the_same_key_opens_one_return(world: ContractWorld) -> None:
    order = world.order(DELIVERED)
    items = [LineItemQuantity(line(order, "Canvas Cap").id, 1)]

    first = world.provider.create_return(
        order_id=order.id, line_items=items, reason="x", idempotency_key="t-return-once"
    )
    again = world.provider.create_return(
        order_id=order.id, line_items=items, reason="x", idempotency_key="t-return-once"
    )

    assert again.return_id == first.return_id


def test_an_item_cannot_be_returned_twice(world: ContractWorld) -> None:
    order = world.order(DELIVERED)
    items = [LineItemQuantity(line(order, "Canvas Cap").id, 1)]
    world.provider.create_return(
        order_id=order.id, line_items=items, reason="x", idempotency_key="t-return-1"
    )

    with pytest.raises(PlatformRejected):
        world.provider.create_return(
            order_id=order.id, line_items=items, reason="x", idempotency_key="t-return-2"
        )


@pytest.mark.parametrize(
    ("ref", "title", "quantity"),
    [
        (UNFULFILLED, "Rain Jacket", 1),  # nothing shipped
        (PARTIALLY_FULFILLED, "Water Bottle", 1),  # this item not shipped yet
        (DELIVERED, "Everyday T-Shirt", 2),  # more than bought
    ],
)
def test_only_shipped_items_within_their_quantity_can_be_returned(
    world: ContractWorld, ref: OrderRef, title: str, quantity: int
) -> None:
    order = world.order(ref)

    with pytest.raises(PlatformRejected):
        world.provider.create_return(
            order_id=order.id,
            line_items=[LineItemQuantity(line(order, title).id, quantity)],
            reason="x",
            idempotency_key=f"t-return-{order.number}-{quantity}",
        )

    assert world.reload(order) == order


def test_the_shipped_part_of_a_partial_order_can_be_returned(world: ContractWorld) -> None:
    order = world.order(PARTIALLY_FULFILLED)

    result = world.provider.create_return(
        order_id=order.id,
        line_items=[LineItemQuantity(line(order, "Yoga Mat").id, 1)],
        reason="Too thin",
        idempotency_key="t-return-mat",
    )

    assert result.return_id


def test_returning_an_unknown_item_is_rejected(world: ContractWorld) -> None:
    order = world.order(DELIVERED)

    with pytest.raises(PlatformRejected):
        world.provider.create_return(
            order_id=order.id,
            line_items=[LineItemQuantity("no-such-line", 1)],
            reason="x",
            idempotency_key="t-return-ghost",
        )


# ---------------------------------------------------------------- catalogue


@pytest.mark.parametrize("query", ["hoodies", "hoodie", "HOODIE", "Do you have hoodies?"])
def test_product_search_is_forgiving(world: ContractWorld, query: str) -> None:
    results = world.provider.search_products(query)

    assert results[0].title == "Classic Hoodie"


def test_a_product_reports_price_and_availability_per_variant(world: ContractWorld) -> None:
    [hoodie] = [p for p in world.provider.search_products("hoodie") if p.title == "Classic Hoodie"]

    assert hoodie.currency == "USD"
    assert hoodie.min_price == Decimal("65.00")
    availability = {v.title: v.available for v in hoodie.variants}
    assert availability == {"S": True, "M": True, "L": True, "XL": False}
    assert hoodie.available


def test_a_mostly_sold_out_product(world: ContractWorld) -> None:
    results = world.provider.search_products("trail runner shoes")
    [shoes] = [p for p in results if p.title == "Trail Runner Shoes"]

    assert {v.title for v in shoes.variants if v.available} == {"9"}
    assert shoes.min_price == Decimal("120.00")


def test_variant_prices_may_differ(world: ContractWorld) -> None:
    jacket = world.provider.search_products("rain jacket")[0]

    assert jacket.title == "Rain Jacket"
    assert {v.title: v.price for v in jacket.variants} == {
        "S": Decimal("110.00"),
        "M": Decimal("120.00"),
        "L": Decimal("130.00"),
    }
    assert not next(v for v in jacket.variants if v.title == "S").available


def test_search_finds_nothing_for_an_unknown_product(world: ContractWorld) -> None:
    assert world.provider.search_products("zxqv snorkel") == []


def test_search_respects_the_limit(world: ContractWorld) -> None:
    assert len(world.provider.search_products("cotton", limit=1)) == 1


# ---------------------------------------------------------------- policies


def test_the_store_policies(world: ContractWorld) -> None:
    policies = {p.type: p for p in world.provider.get_policies()}

    assert {"refund", "shipping", "privacy", "terms"} <= set(policies)
    assert "within 30 days of delivery" in policies["refund"].body
    assert "final-sale items and gift cards cannot be returned" in policies["refund"].body
    assert "Free standard shipping on US orders over $50" in policies["shipping"].body
    assert all(p.title and p.body for p in policies.values())
