"""Seeding the demo store: exactly the data DEMO_DATA.md promises, resettable, fast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.conversations.models import Conversation
from apps.integrations.commerce.base import Address, LineItemQuantity, OrderInfo
from apps.integrations.commerce.demo import DemoCommerceProvider, seed_demo_store
from apps.integrations.commerce.demo.seed import seed_counts
from apps.integrations.commerce.registry import get_commerce_provider
from apps.integrations.commerce.snapshot import order_to_info
from apps.integrations.models import DemoOrderEvent, DemoProduct, DemoReturn, DemoVariant
from apps.orders.models import Order
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Platform, Store, StoreSettings
from tests.factories import OrderFactory

D = Decimal
FIXED_NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


def _order(store: Store, number: int) -> OrderInfo:
    return order_to_info(Order.objects.get(store=store, number=number))


# ---------------------------------------------------------------- the store


def test_the_store_and_its_rules(demo_store: Store) -> None:
    assert (demo_store.platform, demo_store.domain) == (Platform.DEMO, "demo.aftersale.test")
    assert (demo_store.name, demo_store.currency) == ("Northwind Outfitters", "USD")
    assert demo_store.is_installed
    rules = StoreSettings.objects.get(store=demo_store)
    assert rules.agent_name == "Ava"
    assert rules.tone == "friendly"
    assert rules.return_window_days == 30
    assert (rules.refund_auto_approve_limit, rules.refund_currency) == (D("50.00"), "USD")
    assert rules.cancellation_window_hours == 12
    assert rules.allow_address_changes is True
    assert rules.final_sale_tags == ["final-sale"]
    assert rules.escalation_email == "support@northwind.example"


def test_the_registry_serves_the_demo_store_with_the_demo_provider(demo_store: Store) -> None:
    provider = get_commerce_provider(demo_store)

    assert isinstance(provider, DemoCommerceProvider)
    assert provider.store == demo_store


# ---------------------------------------------------------------- orders

PEOPLE = {
    "jane": ("jane@example.com", "+1 555-010-1001", "demo-cust-1", "Jane Doe"),
    "sam": ("sam@example.com", "+1 555-010-2002", "demo-cust-2", "Sam Lee"),
    "priya": ("priya@example.com", "+44 20 7946 0958", "demo-cust-3", "Priya Patel"),
    "alex": ("alex@example.com", "+1 555-010-4004", "demo-cust-4", "Alex Kim"),
}
# number: (customer, financial status, fulfillment status, total, refunded, cancelled)
TABLE = {
    1001: ("jane", "paid", "fulfilled", "89.00", "0", False),
    1002: ("jane", "paid", "fulfilled", "45.00", "0", False),
    1003: ("jane", "paid", "unfulfilled", "120.00", "0", False),
    1004: ("sam", "paid", "fulfilled", "60.00", "0", False),
    1005: ("sam", "paid", "partially_fulfilled", "100.00", "0", False),
    1006: ("sam", "refunded", "unfulfilled", "35.00", "35.00", True),
    1007: ("priya", "refunded", "fulfilled", "75.00", "75.00", False),
    1008: ("priya", "partially_refunded", "fulfilled", "110.00", "30.00", False),
    1009: ("priya", "paid", "fulfilled", "65.00", "0", False),
    1010: ("alex", "paid", "unfulfilled", "40.00", "0", False),
    1011: ("alex", "paid", "fulfilled", "250.00", "0", False),
    1012: ("alex", "paid", "fulfilled", "65.00", "0", False),
}


@pytest.mark.parametrize("number", sorted(TABLE))
def test_every_order_is_in_its_documented_state(demo_store: Store, number: int) -> None:
    who, financial, fulfillment, total, refunded, cancelled = TABLE[number]

    info = _order(demo_store, number)

    assert (info.id, info.name) == (f"demo-order-{number}", f"#{number}")
    assert (info.email, info.phone, info.customer_id, info.customer_name) == PEOPLE[who]
    assert (info.financial_status, info.fulfillment_status) == (financial, fulfillment)
    assert info.currency == "USD"
    assert info.total_price == D(total)
    assert info.total_refunded == D(refunded)
    assert sum(r.amount for r in info.refunds) == D(refunded)
    assert info.is_cancelled is cancelled
    assert info.subtotal_price + info.total_shipping == info.total_price
    assert [i.id for i in info.line_items] == [
        f"demo-li-{number}-{k}" for k in range(1, len(info.line_items) + 1)
    ]
    assert info.shipping_address is not None
    assert info.shipping_address.phone == info.phone


def _items(store: Store, number: int) -> list[tuple[str, str, int, Decimal]]:
    return [
        (i.title, i.variant_title, i.quantity, i.price) for i in _order(store, number).line_items
    ]


def test_the_documented_items(demo_store: Store) -> None:
    hoodie_m, socks = ("Classic Hoodie", "M", 1, D("65")), ("Wool Socks", "One size", 2, D("12"))
    assert _items(demo_store, 1001) == [hoodie_m, socks]
    assert _items(demo_store, 1002) == [
        ("Everyday T-Shirt", "L", 1, D("25")),
        ("Canvas Cap", "One size", 1, D("20")),
    ]
    assert _items(demo_store, 1003) == [("Rain Jacket", "M", 1, D("120"))]
    assert _items(demo_store, 1004) == [("Trail Runner Shoes", "10", 1, D("60"))]
    assert _items(demo_store, 1005) == [
        ("Yoga Mat", "Purple", 1, D("50")),
        ("Water Bottle", "750 ml", 2, D("25")),
    ]
    assert [i[0] for i in _items(demo_store, 1006)] == ["Canvas Cap", "Wool Socks"]
    assert _items(demo_store, 1007) == [("Classic Hoodie", "L", 1, D("65"))]
    assert _items(demo_store, 1008) == [("Rain Jacket", "S", 1, D("110"))]
    assert _items(demo_store, 1009) == [
        ("Leather Wallet", "Brown", 1, D("40")),
        ("Everyday T-Shirt", "M", 1, D("25")),
    ]
    assert _items(demo_store, 1010)[0] == ("Water Bottle", "750 ml", 1, D("25"))
    assert _items(demo_store, 1011) == [
        ("Trail Runner Shoes", "9", 1, D("120")),
        ("Rain Jacket", "L", 1, D("130")),
    ]
    assert _items(demo_store, 1012) == [("Classic Hoodie", "S", 1, D("65"))]


def test_shipping_charges(demo_store: Store) -> None:
    assert _order(demo_store, 1001).total_shipping == 0
    assert _order(demo_store, 1007).total_shipping == D("10.00")


def test_final_sale_items_carry_the_tag(demo_store: Store) -> None:
    wallet, shirt = _order(demo_store, 1009).line_items

    assert "final-sale" in wallet.tags
    assert "final-sale" not in shirt.tags


def test_parcels_and_their_carriers(demo_store: Store) -> None:
    def parcel(number: int) -> tuple[str, str, str, str]:
        [f] = _order(demo_store, number).fulfillments
        return (f.tracking[0].company, f.tracking[0].number, f.shipment_status, f.latest_event)

    assert parcel(1001) == (
        "UPS",
        "1Z999AA10123456784",
        "in_transit",
        "Departed facility, Louisville KY",
    )
    assert parcel(1002)[:3] == ("USPS", "9400111899223344556677", "delivered")
    assert parcel(1005)[:3] == ("USPS", "9400111899223344550011", "in_transit")
    assert parcel(1012) == ("FedEx", "123456789012", "label_printed", "Label created")
    assert _order(demo_store, 1003).fulfillments == ()
    assert _order(demo_store, 1010).fulfillments == ()


def test_the_unfulfilled_order_ships_to_elm_street(demo_store: Store) -> None:
    address = _order(demo_store, 1003).shipping_address

    assert address == Address(
        name="Jane Doe",
        address1="12 Elm St",
        city="Springfield",
        province="IL",
        zip="62701",
        country="United States",
        country_code="US",
        phone="+1 555-010-1001",
    )


def test_dates_are_relative_to_the_moment_of_seeding(db: None) -> None:
    store = seed_demo_store(now=FIXED_NOW)

    def ago(days: float = 0, hours: float = 0) -> datetime:
        return FIXED_NOW - timedelta(days=days, hours=hours)

    assert _order(store, 1003).created_at == ago(hours=2)
    assert _order(store, 1010).created_at == ago(days=3)
    assert _order(store, 1002).delivered_at == ago(days=5)
    assert _order(store, 1004).delivered_at == ago(days=60)
    assert _order(store, 1009).delivered_at == ago(days=3)
    assert _order(store, 1011).delivered_at == ago(days=2)
    assert _order(store, 1007).delivered_at == ago(days=20)
    assert _order(store, 1007).refunds[0].created_at == ago(days=10)
    assert _order(store, 1008).delivered_at == ago(days=12)
    assert _order(store, 1006).cancelled_at == ago(days=3)
    [parcel] = _order(store, 1001).fulfillments
    assert parcel.created_at == ago(days=2)
    assert parcel.estimated_delivery_at == FIXED_NOW + timedelta(days=2)
    assert _order(store, 1001).delivered_at is None
    assert _order(store, 1005).delivered_at is None


# ---------------------------------------------------------------- catalogue and knowledge


def _variants(store: Store, title: str) -> dict[str, tuple[Decimal, bool]]:
    product = DemoProduct.objects.get(store=store, title=title)
    return {v.title: (v.price, v.available) for v in product.variants.all()}


def test_the_catalogue(demo_store: Store) -> None:
    assert list(DemoProduct.objects.filter(store=demo_store).values_list("title", flat=True)) == [
        "Classic Hoodie",
        "Everyday T-Shirt",
        "Wool Socks",
        "Canvas Cap",
        "Rain Jacket",
        "Trail Runner Shoes",
        "Leather Wallet",
        "Yoga Mat",
        "Water Bottle",
        "Gift Card",
    ]
    p65 = D("65.00")
    assert _variants(demo_store, "Classic Hoodie") == {
        "S": (p65, True),
        "M": (p65, True),
        "L": (p65, True),
        "XL": (p65, False),
    }
    assert {t: p for t, (p, _) in _variants(demo_store, "Everyday T-Shirt").items()} == {
        "S": D("25"),
        "M": D("25"),
        "L": D("25"),
    }
    assert _variants(demo_store, "Wool Socks") == {"One size": (D("12.00"), True)}
    assert _variants(demo_store, "Canvas Cap") == {"One size": (D("20.00"), True)}
    assert _variants(demo_store, "Rain Jacket") == {
        "S": (D("110"), False),
        "M": (D("120"), True),
        "L": (D("130"), True),
    }
    shoes = _variants(demo_store, "Trail Runner Shoes")
    assert {size: price for size, (price, _) in shoes.items()} == dict.fromkeys(
        ["8", "9", "10", "11"], D("120")
    )
    assert [size for size, (_, available) in shoes.items() if available] == ["9"]
    assert _variants(demo_store, "Leather Wallet") == {"Brown": (D("40"), True)}
    assert _variants(demo_store, "Yoga Mat") == {"Purple": (D("50"), True)}
    assert _variants(demo_store, "Water Bottle") == {"750 ml": (D("25"), True)}
    assert _variants(demo_store, "Gift Card") == {
        "$25": (D("25"), True),
        "$50": (D("50"), True),
        "$100": (D("100"), True),
    }
    final_sale = DemoProduct.objects.filter(store=demo_store, tags__contains=["final-sale"])
    assert sorted(final_sale.values_list("title", flat=True)) == ["Gift Card", "Leather Wallet"]


def test_order_lines_point_at_the_catalogue(demo_store: Store) -> None:
    variant_ids = set(
        DemoVariant.objects.filter(store=demo_store).values_list("platform_id", flat=True)
    )
    product_ids = set(
        DemoProduct.objects.filter(store=demo_store).values_list("platform_id", flat=True)
    )

    for order in Order.objects.filter(store=demo_store):
        for item in order_to_info(order).line_items:
            assert item.variant_id in variant_ids
            assert item.product_id in product_ids


def test_the_knowledge_base(demo_store: Store) -> None:
    policies = {
        e.policy_type: e
        for e in KnowledgeEntry.objects.filter(store=demo_store, kind=KnowledgeKind.POLICY)
    }
    faq = KnowledgeEntry.objects.filter(store=demo_store, kind=KnowledgeKind.FAQ)

    assert set(policies) == {"refund", "shipping", "privacy", "terms"}
    assert policies["refund"].body == (
        "Returns accepted within 30 days of delivery for unworn items with tags; final-sale "
        "items and gift cards cannot be returned; refunds go to the original payment method "
        "within 5-10 business days of receiving the return."
    )
    assert policies["shipping"].body == (
        "Free standard shipping on US orders over $50; standard 3-5 business days; express 1-2 "
        "business days for $15; we ship to the US, Canada, the UK and the EU; international "
        "delivery 7-14 business days; duties may apply."
    )
    assert policies["refund"].source_url == "https://demo.aftersale.test/policies/refund-policy"
    bodies = {e.title: e.body for e in faq}
    assert set(bodies) == {
        "Gift wrapping",
        "Discount codes",
        "Warranty",
        "Sizing",
        "Store hours and contact",
    }
    assert "$5" in bodies["Gift wrapping"]
    assert "One discount code" in bodies["Discount codes"]
    assert "cannot be applied after" in bodies["Discount codes"]
    assert "1-year warranty" in bodies["Warranty"]
    assert "jackets and shoes" in bodies["Warranty"].lower()
    assert "true to size" in bodies["Sizing"]
    assert "size chart" in bodies["Sizing"]
    assert "support@northwind.example" in bodies["Store hours and contact"]
    assert "Monday to Friday, 9am-5pm Eastern Time" in bodies["Store hours and contact"]


# ---------------------------------------------------------------- re-seeding


def _mess_up(store: Store) -> None:
    """Everything a demo session may change."""
    provider = DemoCommerceProvider(store)
    provider.refund(
        order_id="demo-order-1002",
        amount=D("5.00"),
        line_items=None,
        reason="x",
        idempotency_key="mess-refund",
    )
    provider.cancel_order(
        order_id="demo-order-1003",
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key="mess-cancel",
    )
    provider.add_note(order_id="demo-order-1001", note="hello", tags=["x"])
    provider.create_return(
        order_id="demo-order-1011",
        line_items=[LineItemQuantity("demo-li-1011-1", 1)],
        reason="x",
        idempotency_key="mess-return",
    )
    DemoVariant.objects.filter(store=store).update(inventory_quantity=999)
    KnowledgeEntry.objects.filter(store=store).delete()
    OrderFactory(store=store, platform_order_id="demo-order-2000", number=2000)
    StoreSettings.objects.filter(store=store).update(
        refund_auto_approve_limit=D("5000"), tone="formal"
    )
    Store.objects.filter(pk=store.pk).update(name="Renamed")


def test_reseeding_restores_the_canonical_state(db: None) -> None:
    fresh = seed_demo_store(now=FIXED_NOW)
    canonical = {o.number: order_to_info(o) for o in Order.objects.filter(store=fresh)}
    ids = dict(Order.objects.filter(store=fresh).values_list("number", "pk"))
    stock = dict(
        DemoVariant.objects.filter(store=fresh).values_list("platform_id", "inventory_quantity")
    )
    version = StoreSettings.objects.get(store=fresh).version
    _mess_up(fresh)

    again = seed_demo_store(now=FIXED_NOW)

    assert again.pk == fresh.pk
    assert again.name == "Northwind Outfitters"
    after = {o.number: order_to_info(o) for o in Order.objects.filter(store=again)}
    assert after == canonical
    assert dict(Order.objects.filter(store=again).values_list("number", "pk")) == ids
    assert not DemoReturn.objects.filter(store=again).exists()
    assert not DemoOrderEvent.objects.filter(store=again).exists()
    assert (
        dict(
            DemoVariant.objects.filter(store=again).values_list("platform_id", "inventory_quantity")
        )
        == stock
    )
    assert seed_counts(again) == seed_counts(seed_demo_store(now=FIXED_NOW))
    rules = StoreSettings.objects.get(store=again)
    assert (rules.refund_auto_approve_limit, rules.tone) == (D("50.00"), "friendly")
    assert rules.version == version + 1  # the rules changed back: a new version


def test_reseeding_an_untouched_store_changes_nothing_visible(db: None) -> None:
    first = seed_demo_store(now=FIXED_NOW)
    counts = seed_counts(first)
    version = StoreSettings.objects.get(store=first).version

    second = seed_demo_store(now=FIXED_NOW)

    assert second.pk == first.pk
    assert seed_counts(second) == counts
    assert (counts.products, counts.variants, counts.orders) == (10, 22, 12)
    assert (counts.policies, counts.faq) == (4, 5)
    assert StoreSettings.objects.get(store=second).version == version
    assert Store.objects.filter(platform=Platform.DEMO).count() == 1


def test_conversations_keep_their_order_across_a_reseed(db: None) -> None:
    store = seed_demo_store(now=FIXED_NOW)
    order = Order.objects.get(store=store, number=1001)
    conversation = Conversation.objects.create(store=store, order_in_focus=order)

    seed_demo_store(now=FIXED_NOW)

    conversation.refresh_from_db()
    assert conversation.order_in_focus_id == order.pk


def test_reseeding_leaves_other_stores_alone(db: None) -> None:
    other = seed_demo_store(domain="other.aftersale.test", now=FIXED_NOW)
    DemoCommerceProvider(other).add_note(order_id="demo-order-1001", note="kept")
    shopify_order = OrderFactory()

    seed_demo_store(now=FIXED_NOW)

    assert _order(other, 1001).note == "kept"
    assert Order.objects.filter(pk=shopify_order.pk).exists()


def test_a_blank_domain_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="domain"):
        seed_demo_store(domain="  ")

    assert not Store.objects.exists()


def test_a_naive_moment_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        seed_demo_store(now=datetime(2030, 1, 1))  # noqa: DTZ001 - the bad input under test

    assert not Store.objects.exists()


def test_seeding_is_a_bounded_number_of_queries(db: None) -> None:
    # The evaluation repeats the reset path before every case; its cost is counted in
    # queries (a figure that does not move with the machine's load), not in seconds.
    seed_demo_store(now=FIXED_NOW)

    with CaptureQueriesContext(connection) as queries:
        seed_demo_store(now=FIXED_NOW)

    assert len(queries) <= 30
