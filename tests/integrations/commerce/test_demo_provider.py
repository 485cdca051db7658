"""What the demo platform does beyond the shared contract (its records, its edge cases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.integrations.commerce.base import Address, LineItemQuantity, OrderInfo, PlatformRejected
from apps.integrations.commerce.demo import DemoCommerceProvider
from apps.integrations.commerce.demo.catalog import query_words, stem
from apps.integrations.models import DemoOrderEvent, DemoReturn, DemoVariant
from apps.orders.models import Order
from apps.stores.models import Store
from tests.factories import StoreFactory

D = Decimal
HOME = Address(address1="9 Oak Ave", city="Springfield", zip="62704", country_code="us")


def _get(demo: DemoCommerceProvider, number: int) -> OrderInfo:
    info = demo.get_order(f"demo-order-{number}")
    assert info is not None
    return info


def _stock(store: Store, variant_id: str) -> int:
    return DemoVariant.objects.get(store=store, platform_id=variant_id).inventory_quantity


def test_it_serves_demo_stores_only(db: None) -> None:
    with pytest.raises(ValueError, match="demo stores only"):
        DemoCommerceProvider(StoreFactory())


def test_its_repr_names_the_store_only(demo: DemoCommerceProvider, demo_store: Store) -> None:
    assert repr(demo) == f"<DemoCommerceProvider store={demo_store.pk}>"


# ---------------------------------------------------------------- refunds


def test_a_refund_records_its_key_and_notification_choice(demo: DemoCommerceProvider) -> None:
    result = demo.refund(
        order_id="demo-order-1002",
        amount=D("5.00"),
        line_items=None,
        reason="  Late\n parcel ",
        idempotency_key="k-refund",
        notify_customer=False,
    )

    [record] = Order.objects.get(platform_order_id="demo-order-1002", store=demo.store).refunds
    assert record["idempotency_key"] == "k-refund"
    assert record["notify_customer"] is False
    assert record["note"] == "Late parcel"
    assert result.refund_id == record["id"] == "demo-refund-1002-1"
    assert result.evidence["replayed"] is False
    assert result.evidence["financial_status"] == "partially_refunded"


def test_a_replayed_refund_says_so(demo: DemoCommerceProvider) -> None:
    kwargs = {
        "order_id": "demo-order-1002",
        "amount": D("5.00"),
        "line_items": None,
        "reason": "x",
        "idempotency_key": "k-replay",
    }
    demo.refund(**kwargs)

    again = demo.refund(**kwargs)

    assert again.evidence["replayed"] is True
    assert again.evidence["total_refunded"] == "5.00"


@pytest.mark.parametrize(
    "retry",
    [
        {"amount": D("6.00"), "line_items": None},
        {"amount": None, "line_items": [LineItemQuantity("demo-li-1002-1", 1)]},
    ],
)
def test_a_key_reused_for_a_different_refund_is_rejected(
    demo: DemoCommerceProvider, retry: dict[str, object]
) -> None:
    demo.refund(
        order_id="demo-order-1002",
        amount=D("5.00"),
        line_items=None,
        reason="x",
        idempotency_key="k-reused",
    )
    before = _get(demo, 1002)

    with pytest.raises(PlatformRejected) as rejected:
        demo.refund(order_id="demo-order-1002", reason="x", idempotency_key="k-reused", **retry)

    assert rejected.value.code == "idempotency_key_mismatch"
    assert _get(demo, 1002) == before


def test_a_key_is_scoped_to_its_order(demo: DemoCommerceProvider) -> None:
    """Keys live on the order's refunds: the same key on another order is another refund."""
    for order_id in ("demo-order-1002", "demo-order-1009"):
        demo.refund(
            order_id=order_id, amount=D("1.00"), line_items=None, reason="x", idempotency_key="k"
        )

    assert _get(demo, 1002).total_refunded == D("1.00")
    assert _get(demo, 1009).total_refunded == D("1.00")


def test_refunding_items_after_a_partial_refund_is_capped_at_what_is_left(
    demo: DemoCommerceProvider,
) -> None:
    result = demo.refund(
        order_id="demo-order-1008",
        amount=None,
        line_items=[LineItemQuantity("demo-li-1008-1", 1)],
        reason="Returned",
        idempotency_key="k-cap",
    )

    assert result.amount == D("80.00")
    after = _get(demo, 1008)
    assert after.financial_status == "refunded"
    assert after.line_items[0].refunded_quantity == 1


def test_an_amount_and_items_refund_the_amount_and_mark_the_items(
    demo: DemoCommerceProvider,
) -> None:
    result = demo.refund(
        order_id="demo-order-1001",
        amount=D("30.00"),
        line_items=[LineItemQuantity("demo-li-1001-2", 2)],
        reason="Socks returned, shipping kept",
        idempotency_key="k-both",
    )

    assert result.amount == D("30.00")
    assert _get(demo, 1001).line_items[1].refunded_quantity == 2


def test_the_same_line_twice_counts_twice(demo: DemoCommerceProvider) -> None:
    socks = LineItemQuantity("demo-li-1001-2", 1)

    result = demo.refund(
        order_id="demo-order-1001",
        amount=None,
        line_items=[socks, socks],
        reason="x",
        idempotency_key="k-twice",
    )

    assert result.amount == D("24.00")


@pytest.mark.parametrize(
    ("amount", "items", "code"),
    [
        (D("1.005"), None, "invalid_amount"),
        (D("NaN"), None, "invalid_amount"),
        (D("Infinity"), None, "invalid_amount"),
        (None, None, "nothing_to_refund"),
        (None, [], "nothing_to_refund"),
        (None, [LineItemQuantity("demo-li-1002-1", 0)], "invalid_quantity"),
        (None, [LineItemQuantity("", 1)], "invalid_line_item"),
    ],
)
def test_malformed_refunds_are_rejected(
    demo: DemoCommerceProvider,
    amount: Decimal | None,
    items: list[LineItemQuantity] | None,
    code: str,
) -> None:
    before = _get(demo, 1002)

    with pytest.raises(PlatformRejected) as rejected:
        demo.refund(
            order_id="demo-order-1002",
            amount=amount,
            line_items=items,
            reason="x",
            idempotency_key="k-bad",
        )

    assert rejected.value.code == code
    assert _get(demo, 1002) == before


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_refund_needs_a_usable_key(demo: DemoCommerceProvider, key: str) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        demo.refund(
            order_id="demo-order-1002",
            amount=D("1.00"),
            line_items=None,
            reason="x",
            idempotency_key=key,
        )

    assert _get(demo, 1002).refunds == ()


def test_nothing_captured_nothing_refunded(demo: DemoCommerceProvider) -> None:
    Order.objects.filter(store=demo.store, number=1003).update(financial_status="authorized")

    with pytest.raises(PlatformRejected) as rejected:
        demo.refund(
            order_id="demo-order-1003",
            amount=D("1.00"),
            line_items=None,
            reason="x",
            idempotency_key="k",
        )

    assert rejected.value.code == "not_captured"
    assert _get(demo, 1003).total_refunded == 0


# ---------------------------------------------------------------- cancellation


def test_a_cancel_retried_with_its_key_returns_the_first_outcome(
    demo: DemoCommerceProvider,
) -> None:
    first = demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key="k-cancel",
    )
    cancelled = _get(demo, 1003)

    again = demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key="k-cancel",
    )

    assert again.refunded == first.refunded is True
    assert again.evidence["refund_id"] == first.evidence["refund_id"]
    assert again.evidence["replayed"] is True
    assert _get(demo, 1003) == cancelled
    assert len(cancelled.refunds) == 1


def test_a_cancel_key_cannot_be_reused_on_another_order(demo: DemoCommerceProvider) -> None:
    demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=False,
        restock=False,
        idempotency_key="k",
    )
    before = _get(demo, 1010)

    with pytest.raises(PlatformRejected) as rejected:
        demo.cancel_order(
            order_id="demo-order-1010",
            reason="customer",
            refund=False,
            restock=False,
            idempotency_key="k",
        )

    assert rejected.value.code == "idempotency_key_mismatch"
    assert _get(demo, 1010) == before


def test_cancelling_restocks_when_asked(demo: DemoCommerceProvider, demo_store: Store) -> None:
    jacket = "demo-var-5-2"  # Rain Jacket M, the item of #1003
    before = _stock(demo_store, jacket)

    demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key="k",
    )

    assert _stock(demo_store, jacket) == before + 1


def test_cancelling_without_restock_leaves_stock(
    demo: DemoCommerceProvider, demo_store: Store
) -> None:
    before = _stock(demo_store, "demo-var-5-2")

    demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=False,
        idempotency_key="k",
    )

    assert _stock(demo_store, "demo-var-5-2") == before


def test_cancelling_records_the_reason(demo: DemoCommerceProvider) -> None:
    demo.cancel_order(
        order_id="demo-order-1010",
        reason="Ordered the wrong size",
        refund=True,
        restock=True,
        idempotency_key="k",
        notify_customer=False,
    )

    info = _get(demo, 1010)
    assert info.cancel_reason == "other"
    assert info.total_refunded == D("40.00")  # shipping included
    event = DemoOrderEvent.objects.get(idempotency_key="k")
    assert event.payload["reason"] == "Ordered the wrong size"
    assert event.payload["notify_customer"] is False


def test_cancelling_an_unpaid_order_voids_it(demo: DemoCommerceProvider) -> None:
    Order.objects.filter(store=demo.store, number=1003).update(financial_status="authorized")

    result = demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=False,
        idempotency_key="k",
    )

    info = _get(demo, 1003)
    assert result.refunded is False
    assert (info.financial_status, info.total_refunded, info.refunds) == ("voided", 0, ())


def test_a_parcel_that_failed_does_not_block_cancelling(demo: DemoCommerceProvider) -> None:
    order = Order.objects.get(store=demo.store, number=1003)
    order.fulfillments = [{"id": "f1", "status": "cancelled", "line_items": []}]
    order.save()

    demo.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=False,
        restock=False,
        idempotency_key="k",
    )

    assert _get(demo, 1003).is_cancelled


# ---------------------------------------------------------------- shipping address


def test_a_new_address_keeps_the_name_and_phone_on_file(demo: DemoCommerceProvider) -> None:
    updated = demo.update_shipping_address(
        order_id="demo-order-1003", address=HOME, idempotency_key="k"
    )

    assert updated.shipping_address == Address(
        name="Jane Doe",
        address1="9 Oak Ave",
        city="Springfield",
        zip="62704",
        country_code="US",
        phone="+1 555-010-1001",
    )


def test_a_replayed_address_change_does_not_undo_a_later_one(demo: DemoCommerceProvider) -> None:
    demo.update_shipping_address(order_id="demo-order-1003", address=HOME, idempotency_key="k1")
    later = Address(address1="1 Pine Rd", city="Chicago", country="United States")
    demo.update_shipping_address(order_id="demo-order-1003", address=later, idempotency_key="k2")

    replayed = demo.update_shipping_address(
        order_id="demo-order-1003", address=HOME, idempotency_key="k1"
    )

    assert replayed.shipping_address is not None
    assert replayed.shipping_address.address1 == "1 Pine Rd"
    assert DemoOrderEvent.objects.filter(kind="address_updated").count() == 2


@pytest.mark.parametrize(
    ("address", "field"),
    [
        (Address(city="Springfield", country="US"), "address1"),
        (Address(address1="9 Oak Ave", country="US"), "city"),
        (Address(address1="9 Oak Ave", city="Springfield"), "country"),
        (Address(address1="9 Oak Ave", city="Springfield", country_code="USA"), "country_code"),
        (Address(address1="x" * 256, city="Springfield", country_code="US"), "address1"),
    ],
)
def test_an_unusable_address_is_rejected(
    demo: DemoCommerceProvider, address: Address, field: str
) -> None:
    before = _get(demo, 1003)

    with pytest.raises(PlatformRejected) as rejected:
        demo.update_shipping_address(
            order_id="demo-order-1003", address=address, idempotency_key="k"
        )

    assert (rejected.value.code, rejected.value.field) == ("invalid_address", field)
    assert _get(demo, 1003) == before
    assert not DemoOrderEvent.objects.exists()


# ---------------------------------------------------------------- notes


def test_a_note_is_appended_under_the_merchants_note(demo: DemoCommerceProvider) -> None:
    Order.objects.filter(store=demo.store, number=1001).update(
        note="Gift: no invoice", tags=["gift"]
    )

    demo.add_note(
        order_id="demo-order-1001", note="AI: customer asked for tracking", tags=["Gift", "ai"]
    )

    info = _get(demo, 1001)
    assert info.note == "Gift: no invoice\nAI: customer asked for tracking"
    assert info.tags == ("gift", "ai")


def test_nothing_to_add_changes_nothing(demo: DemoCommerceProvider) -> None:
    before = _get(demo, 1001)

    demo.add_note(order_id="demo-order-1001", note="   ", tags=["", " "])

    assert _get(demo, 1001) == before
    assert not DemoOrderEvent.objects.exists()


@pytest.mark.parametrize(
    ("note", "tags", "code"),
    [
        ("x" * 5001, None, "note_too_long"),
        ("", ["t" * 41], "tag_too_long"),
        ("", [f"t{i}" for i in range(251)], "too_many_tags"),
    ],
)
def test_oversized_notes_and_tags_are_rejected(
    demo: DemoCommerceProvider, note: str, tags: list[str] | None, code: str
) -> None:
    before = _get(demo, 1001)

    with pytest.raises(PlatformRejected) as rejected:
        demo.add_note(order_id="demo-order-1001", note=note, tags=tags)

    assert rejected.value.code == code
    assert _get(demo, 1001) == before


def test_a_comma_cannot_smuggle_two_tags(demo: DemoCommerceProvider) -> None:
    demo.add_note(order_id="demo-order-1001", tags=["refund,approved"])

    assert _get(demo, 1001).tags == ("refund approved",)


# ---------------------------------------------------------------- returns


def test_a_return_is_recorded_open_with_its_items(demo: DemoCommerceProvider) -> None:
    result = demo.create_return(
        order_id="demo-order-1011",
        line_items=[LineItemQuantity("demo-li-1011-2", 1)],
        reason="Too big",
        idempotency_key="k",
    )

    row = DemoReturn.objects.get()
    assert (result.return_id, result.status) == ("demo-return-1011-1", "open")
    assert row.platform_id == result.return_id
    assert (row.reason, row.line_items) == ("Too big", [{"id": "demo-li-1011-2", "quantity": 1}])
    assert row.order.number == 1011


def test_a_refunded_item_cannot_be_returned(demo: DemoCommerceProvider) -> None:
    with pytest.raises(PlatformRejected) as rejected:
        demo.create_return(
            order_id="demo-order-1007",
            line_items=[LineItemQuantity("demo-li-1007-1", 1)],
            reason="x",
            idempotency_key="k",
        )

    assert rejected.value.code == "quantity_exceeds_returnable"
    assert not DemoReturn.objects.exists()


def test_a_cancelled_order_cannot_be_returned(demo: DemoCommerceProvider) -> None:
    with pytest.raises(PlatformRejected) as rejected:
        demo.create_return(
            order_id="demo-order-1006",
            line_items=[LineItemQuantity("demo-li-1006-1", 1)],
            reason="x",
            idempotency_key="k",
        )

    assert rejected.value.code == "cancelled"


def test_a_declined_return_frees_its_items(demo: DemoCommerceProvider) -> None:
    items = [LineItemQuantity("demo-li-1002-2", 1)]
    demo.create_return(
        order_id="demo-order-1002", line_items=items, reason="x", idempotency_key="k1"
    )
    DemoReturn.objects.update(status="declined")

    again = demo.create_return(
        order_id="demo-order-1002", line_items=items, reason="x", idempotency_key="k2"
    )

    assert again.return_id == "demo-return-1002-2"


def test_a_return_key_cannot_be_reused_for_other_items(demo: DemoCommerceProvider) -> None:
    demo.create_return(
        order_id="demo-order-1002",
        line_items=[LineItemQuantity("demo-li-1002-1", 1)],
        reason="x",
        idempotency_key="k",
    )

    for order_id, line_id in (
        ("demo-order-1002", "demo-li-1002-2"),
        ("demo-order-1011", "demo-li-1011-1"),
    ):
        with pytest.raises(PlatformRejected) as rejected:
            demo.create_return(
                order_id=order_id,
                line_items=[LineItemQuantity(line_id, 1)],
                reason="x",
                idempotency_key="k",
            )
        assert rejected.value.code == "idempotency_key_mismatch"

    assert DemoReturn.objects.count() == 1


def test_a_retried_return_may_list_its_items_in_another_order(demo: DemoCommerceProvider) -> None:
    shirt, cap = LineItemQuantity("demo-li-1002-1", 1), LineItemQuantity("demo-li-1002-2", 1)
    first = demo.create_return(
        order_id="demo-order-1002", line_items=[shirt, cap], reason="x", idempotency_key="k"
    )

    again = demo.create_return(
        order_id="demo-order-1002", line_items=[cap, shirt], reason="x", idempotency_key="k"
    )

    assert again.return_id == first.return_id
    assert again.evidence["replayed"] is True


# ---------------------------------------------------------------- catalogue and policies


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("t shirt", "Everyday T-Shirt"),
        ("tshirts", "Everyday T-Shirt"),
        ("got any tees", "Everyday T-Shirt"),
        ("running sneakers", "Trail Runner Shoes"),
        ("shoe", "Trail Runner Shoes"),
        ("giftcard", "Gift Card"),
        ("waterbottle", "Water Bottle"),
        ("anything in purple?", "Yoga Mat"),
        ("sweatshirts", "Classic Hoodie"),
        ("hoodie in M", "Classic Hoodie"),
        ("raincoat", "Rain Jacket"),
        ("socks", "Wool Socks"),
        ("hats", "Canvas Cap"),
    ],
)
def test_search_understands_how_shoppers_write(
    demo: DemoCommerceProvider, query: str, expected: str
) -> None:
    assert demo.search_products(query)[0].title == expected


@pytest.mark.parametrize("query", ["", "   ", "do you have any", "m", "sale", "?!", "xl"])
def test_search_without_a_product_word_finds_nothing(
    demo: DemoCommerceProvider, query: str
) -> None:
    assert demo.search_products(query) == []


def test_a_multi_word_tag_matches_only_whole(demo: DemoCommerceProvider) -> None:
    titles = [p.title for p in demo.search_products("final sale")]

    assert titles == ["Leather Wallet", "Gift Card"]


def test_size_words_rank_but_do_not_list(demo: DemoCommerceProvider) -> None:
    assert [p.title for p in demo.search_products("hoodie m")] == ["Classic Hoodie"]


def test_search_results_carry_links_and_stock(demo: DemoCommerceProvider) -> None:
    [gift] = demo.search_products("gift card")
    [hoodie] = demo.search_products("hoodie")

    assert gift.url == "https://demo.aftersale.test/products/gift-card"
    assert all(v.available and v.inventory_quantity is None for v in gift.variants)
    assert {v.title: v.inventory_quantity for v in hoodie.variants} == {
        "S": 12,
        "M": 20,
        "L": 8,
        "XL": 0,
    }
    assert {v.sku for v in hoodie.variants} == {"NW-HOOD-S", "NW-HOOD-M", "NW-HOOD-L", "NW-HOOD-XL"}


def test_search_limit_is_bounded(demo: DemoCommerceProvider) -> None:
    assert len(demo.search_products("apparel accessories cotton", limit=1000)) <= 20
    assert len(demo.search_products("apparel accessories", limit=0)) == 1


def test_search_stays_in_its_store(demo: DemoCommerceProvider, other_demo_store: Store) -> None:
    DemoVariant.objects.filter(store=other_demo_store).update(inventory_quantity=0)

    [hoodie] = demo.search_products("hoodie")

    assert hoodie.available


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("hoodies", "hoody"),
        ("hoodie", "hoody"),
        ("shoes", "shoe"),
        ("glasses", "glass"),
        ("dress", "dress"),
        ("boxes", "box"),
        ("ties", "ty"),
        ("tie", "ty"),
        ("10", "10"),
    ],
)
def test_stemming(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_query_words_drop_filler_and_join_pairs() -> None:
    assert query_words("Do you have any gift cards?") == ["gift", "card", "giftcard"]


def test_policies_exclude_faq_and_other_stores(
    demo: DemoCommerceProvider, other_demo_store: Store
) -> None:
    other = DemoCommerceProvider(other_demo_store)
    other_refund = next(p for p in other.get_policies() if p.type == "refund")

    policies = demo.get_policies()

    assert [p.type for p in policies] == ["refund", "shipping", "privacy", "terms"]
    assert [p.title for p in policies][:2] == ["Refund policy", "Shipping policy"]
    assert other_refund.url.startswith("https://other.aftersale.test/")
    assert all(p.url.startswith("https://demo.aftersale.test/") for p in policies)


# ---------------------------------------------------------------- rows the seed did not write


def test_a_malformed_row_is_found_and_refused_safely(
    demo: DemoCommerceProvider, demo_store: Store
) -> None:
    """A row with broken JSON (as a faulty import might leave) neither crashes nor over-refunds."""
    Order.objects.create(
        store=demo_store,
        platform_order_id="demo-order-3000",
        name="#3000",
        number=3000,
        email="odd@example.com",
        financial_status="paid",
        total_price=D("50.00"),
        line_items=[{"id": "li-1", "title": "Mystery", "price": "oops"}, "garbage"],
        fulfillments="not json",
        refunds={"wrong": "shape"},
    )

    found = demo.find_order("3000", email="odd@example.com")
    assert found is not None
    assert found.line_items[0].quantity == 0
    with pytest.raises(PlatformRejected):
        demo.refund(
            order_id=found.id,
            amount=None,
            line_items=[LineItemQuantity("li-1", 1)],
            reason="x",
            idempotency_key="k",
        )
    result = demo.refund(
        order_id=found.id, amount=D("50.00"), line_items=None, reason="x", idempotency_key="k2"
    )
    assert result.amount == D("50.00")
    after = demo.get_order(found.id)
    assert after is not None
    assert [r.amount for r in after.refunds] == [D("50.00")]
    assert after.financial_status == "refunded"
