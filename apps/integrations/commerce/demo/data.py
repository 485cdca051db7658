"""The demo store's canonical data ("Northwind Outfitters").

This is a contract: the agent pipeline, its evaluation cases and the commerce contract
tests rely on these customers, order numbers, states, amounts and texts (DEMO_DATA.md).
Change it only together with them. Dates are relative to the moment of seeding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from apps.integrations.commerce.base import (
    Address,
    Fulfillment,
    LineItem,
    LineItemQuantity,
    OrderInfo,
    RefundRecord,
    Tracking,
)

DEMO_DOMAIN = "demo.aftersale.test"
STORE_NAME = "Northwind Outfitters"
CURRENCY = "USD"
SUPPORT_EMAIL = "support@northwind.example"

SETTINGS = {
    "agent_name": "Ava",
    "tone": "friendly",
    "return_window_days": 30,
    "refund_auto_approve_limit": Decimal("50.00"),
    "refund_currency": "USD",
    "cancellation_window_hours": 12,
    "allow_address_changes": True,
    "final_sale_tags": ["final-sale"],
    "escalation_email": SUPPORT_EMAIL,
}

# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class VariantSpec:
    title: str
    price: Decimal
    inventory: int | None  # None: not tracked, always available
    sku: str


@dataclass(frozen=True)
class ProductSpec:
    number: int
    title: str
    handle: str
    product_type: str
    tags: tuple[str, ...]
    description: str
    variants: tuple[VariantSpec, ...]

    @property
    def platform_id(self) -> str:
        return f"demo-prod-{self.number}"

    def variant_id(self, title: str) -> str:
        return f"demo-var-{self.number}-{self._position(title)}"

    def variant(self, title: str) -> VariantSpec:
        return self.variants[self._position(title) - 1]

    def _position(self, title: str) -> int:
        titles = [v.title for v in self.variants]
        return titles.index(title) + 1


def _sizes(prefix: str, price: str, stock: dict[str, int]) -> tuple[VariantSpec, ...]:
    return tuple(VariantSpec(s, Decimal(price), n, f"{prefix}-{s}") for s, n in stock.items())


HOODIE = ProductSpec(
    1,
    "Classic Hoodie",
    "classic-hoodie",
    "Hoodies",
    ("apparel", "sweatshirt", "cotton", "unisex"),
    "Heavyweight brushed-cotton pullover hoodie with a kangaroo pocket.",
    _sizes("NW-HOOD", "65.00", {"S": 12, "M": 20, "L": 8, "XL": 0}),
)
TSHIRT = ProductSpec(
    2,
    "Everyday T-Shirt",
    "everyday-t-shirt",
    "T-Shirts",
    ("apparel", "tee", "cotton", "unisex"),
    "A soft organic-cotton crew-neck tee for every day.",
    _sizes("NW-TEE", "25.00", {"S": 40, "M": 35, "L": 25}),
)
SOCKS = ProductSpec(
    3,
    "Wool Socks",
    "wool-socks",
    "Socks",
    ("accessories", "merino", "wool"),
    "Warm merino wool socks, sold by the pair.",
    (VariantSpec("One size", Decimal("12.00"), 120, "NW-SOCK-OS"),),
)
CAP = ProductSpec(
    4,
    "Canvas Cap",
    "canvas-cap",
    "Hats",
    ("accessories", "hat", "cap"),
    "A six-panel washed-canvas cap with an adjustable strap.",
    (VariantSpec("One size", Decimal("20.00"), 45, "NW-CAP-OS"),),
)
RAIN_JACKET = ProductSpec(
    5,
    "Rain Jacket",
    "rain-jacket",
    "Jackets",
    ("outerwear", "waterproof", "raincoat", "coat"),
    "A packable, fully waterproof rain jacket with taped seams and a hood.",
    (
        VariantSpec("S", Decimal("110.00"), 0, "NW-RAIN-S"),
        VariantSpec("M", Decimal("120.00"), 9, "NW-RAIN-M"),
        VariantSpec("L", Decimal("130.00"), 6, "NW-RAIN-L"),
    ),
)
TRAIL_RUNNERS = ProductSpec(
    6,
    "Trail Runner Shoes",
    "trail-runner-shoes",
    "Shoes",
    ("footwear", "running", "sneakers", "trainers"),
    "Lightweight trail running shoes with a grippy lugged sole.",
    _sizes("NW-TRAIL", "120.00", {"8": 0, "9": 5, "10": 0, "11": 0}),
)
WALLET = ProductSpec(
    7,
    "Leather Wallet",
    "leather-wallet",
    "Accessories",
    ("accessories", "leather", "final-sale"),
    "A slim bifold wallet in full-grain leather.",
    (VariantSpec("Brown", Decimal("40.00"), 15, "NW-WALLET-BRN"),),
)
YOGA_MAT = ProductSpec(
    8,
    "Yoga Mat",
    "yoga-mat",
    "Fitness",
    ("fitness", "yoga", "exercise"),
    "A 6 mm non-slip natural rubber yoga mat.",
    (VariantSpec("Purple", Decimal("50.00"), 18, "NW-YOGA-PUR"),),
)
WATER_BOTTLE = ProductSpec(
    9,
    "Water Bottle",
    "water-bottle",
    "Drinkware",
    ("drinkware", "bottle", "insulated"),
    "An insulated stainless-steel water bottle that keeps drinks cold for 24 hours.",
    (VariantSpec("750 ml", Decimal("25.00"), 60, "NW-BOTTLE-750"),),
)
GIFT_CARD = ProductSpec(
    10,
    "Gift Card",
    "gift-card",
    "Gift Cards",
    ("gift", "final-sale"),
    "A digital gift card delivered by email, valid on everything in the store.",
    tuple(VariantSpec(f"${v}", Decimal(v), None, f"NW-GIFT-{v}") for v in ("25", "50", "100")),
)
PRODUCTS = (
    HOODIE,
    TSHIRT,
    SOCKS,
    CAP,
    RAIN_JACKET,
    TRAIL_RUNNERS,
    WALLET,
    YOGA_MAT,
    WATER_BOTTLE,
    GIFT_CARD,
)

# ---------------------------------------------------------------- customers


@dataclass(frozen=True)
class DemoCustomer:
    id: str
    name: str
    email: str
    phone: str
    address: Address


def _customer(n: int, name: str, email: str, phone: str, **address: str) -> DemoCustomer:
    return DemoCustomer(
        f"demo-cust-{n}", name, email, phone, Address(name=name, phone=phone, **address)
    )


_US = {"country": "United States", "country_code": "US"}
JANE = _customer(
    1,
    "Jane Doe",
    "jane@example.com",
    "+1 555-010-1001",
    address1="12 Elm St",
    city="Springfield",
    province="IL",
    zip="62701",
    **_US,
)
SAM = _customer(
    2,
    "Sam Lee",
    "sam@example.com",
    "+1 555-010-2002",
    address1="480 Market St",
    address2="Apt 5",
    city="San Francisco",
    province="CA",
    zip="94105",
    **_US,
)
PRIYA = _customer(
    3,
    "Priya Patel",
    "priya@example.com",
    "+44 20 7946 0958",
    address1="14 Camden Road",
    city="London",
    zip="NW1 9DP",
    country="United Kingdom",
    country_code="GB",
)
ALEX = _customer(
    4,
    "Alex Kim",
    "alex@example.com",
    "+1 555-010-4004",
    address1="77 Lake Shore Dr",
    city="Chicago",
    province="IL",
    zip="60611",
    **_US,
)
CUSTOMERS = (JANE, SAM, PRIYA, ALEX)

# ---------------------------------------------------------------- knowledge base


def _policy_url(domain: str, slug: str) -> str:
    return f"https://{domain}/policies/{slug}"


POLICIES = (
    (
        "refund",
        "Refund policy",
        "refund-policy",
        "Returns accepted within 30 days of delivery for unworn items with tags; final-sale "
        "items and gift cards cannot be returned; refunds go to the original payment method "
        "within 5-10 business days of receiving the return.",
    ),
    (
        "shipping",
        "Shipping policy",
        "shipping-policy",
        "Free standard shipping on US orders over $50; standard 3-5 business days; express 1-2 "
        "business days for $15; we ship to the US, Canada, the UK and the EU; international "
        "delivery 7-14 business days; duties may apply.",
    ),
    (
        "privacy",
        "Privacy policy",
        "privacy-policy",
        "We collect the details you give us when you order or contact us (name, email, phone, "
        "shipping address and order details) and use them only to fulfil orders, provide "
        "support and, if you opt in, send our newsletter. We never sell personal data. Card "
        "details are handled by our payment provider and never stored by us. To get a copy of "
        f"your data or have it deleted, write to {SUPPORT_EMAIL}.",
    ),
    (
        "terms",
        "Terms of service",
        "terms-of-service",
        "By placing an order you agree to these terms. Prices are in US dollars; taxes and "
        "duties are shown at checkout. We may cancel an order when an item is out of stock or "
        "the payment fails, with a full refund. Colours may vary slightly from the photos. "
        "These terms are governed by the laws of the State of New York.",
    ),
)

FAQ = (
    ("Gift wrapping", "Gift wrapping is available for $5 per order; choose it at checkout."),
    (
        "Discount codes",
        "One discount code can be used per order. Enter it at checkout; a code cannot be "
        "applied after the order has been placed.",
    ),
    (
        "Warranty",
        "Jackets and shoes come with a 1-year warranty against manufacturing defects. Write to "
        "us with your order number and a photo of the defect.",
    ),
    ("Sizing", "Our clothing and shoes fit true to size. Each product page has a size chart."),
    (
        "Store hours and contact",
        f"Our support team answers at {SUPPORT_EMAIL}, Monday to Friday, 9am-5pm Eastern Time "
        "(ET).",
    ),
)

# ---------------------------------------------------------------- orders

_TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL Express": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id={}",
}


def _item(
    order: int,
    k: int,
    product: ProductSpec,
    variant: str,
    *,
    quantity: int = 1,
    price: str = "",
    shipped: bool = True,
    refunded: int = 0,
) -> LineItem:
    spec = product.variant(variant)
    return LineItem(
        id=f"demo-li-{order}-{k}",
        title=product.title,
        quantity=quantity,
        price=Decimal(price) if price else spec.price,
        variant_title=variant,
        sku=spec.sku,
        product_id=product.platform_id,
        variant_id=product.variant_id(variant),
        fulfilled_quantity=quantity if shipped else 0,
        refunded_quantity=refunded,
        tags=product.tags,
    )


def _shipment(
    order: int,
    carrier: str,
    number: str,
    shipped: datetime,
    items: tuple[LineItem, ...],
    *,
    status: str,
    event: str,
    event_at: datetime,
    eta: datetime | None = None,
    delivered: datetime | None = None,
) -> Fulfillment:
    return Fulfillment(
        id=f"demo-ful-{order}-1",
        status="success",
        shipment_status=status,
        tracking=(Tracking(number, carrier, _TRACKING_URLS[carrier].format(number)),),
        created_at=shipped,
        updated_at=event_at,
        estimated_delivery_at=eta,
        delivered_at=delivered,
        latest_event=event,
        latest_event_at=event_at,
        line_items=tuple(LineItemQuantity(i.id, i.quantity) for i in items),
    )


def _delivered(
    order: int,
    carrier: str,
    number: str,
    items: tuple[LineItem, ...],
    *,
    shipped: datetime,
    at: datetime,
) -> Fulfillment:
    return _shipment(
        order,
        carrier,
        number,
        shipped,
        items,
        status="delivered",
        event="Delivered",
        event_at=at,
        eta=at,
        delivered=at,
    )


def _refund(order: int, amount: str, at: datetime, note: str, *items: LineItem) -> RefundRecord:
    return RefundRecord(
        id=f"demo-refund-{order}-1",
        amount=Decimal(amount),
        created_at=at,
        note=note,
        line_items=tuple(LineItemQuantity(i.id, i.refunded_quantity) for i in items),
    )


def _order(
    number: int,
    customer: DemoCustomer,
    created: datetime,
    items: tuple[LineItem, ...],
    *,
    shipping: str = "0.00",
    fulfillments: tuple[Fulfillment, ...] = (),
    refunds: tuple[RefundRecord, ...] = (),
    cancelled: datetime | None = None,
) -> OrderInfo:
    """An order whose totals and statuses follow from its items, parcels and refunds."""
    subtotal = sum((i.price * i.quantity for i in items), Decimal("0.00"))
    total = subtotal + Decimal(shipping)
    refunded = sum((r.amount for r in refunds), Decimal("0.00"))
    shipped = sum(i.fulfilled_quantity for i in items)
    moments = [created, cancelled, *(f.updated_at for f in fulfillments)]
    moments += [r.created_at for r in refunds]
    return OrderInfo(
        id=f"demo-order-{number}",
        name=f"#{number}",
        number=number,
        currency=CURRENCY,
        financial_status=(
            "refunded" if refunded >= total else "partially_refunded" if refunded else "paid"
        ),
        fulfillment_status=(
            "unfulfilled"
            if not shipped
            else "fulfilled"
            if shipped == sum(i.quantity for i in items)
            else "partially_fulfilled"
        ),
        total_price=total,
        email=customer.email,
        phone=customer.phone,
        customer_id=customer.id,
        customer_name=customer.name,
        subtotal_price=subtotal,
        total_shipping=Decimal(shipping),
        total_refunded=refunded,
        created_at=created,
        updated_at=max(m for m in moments if m is not None),
        cancelled_at=cancelled,
        cancel_reason="customer" if cancelled else "",
        line_items=items,
        fulfillments=fulfillments,
        refunds=refunds,
        shipping_address=customer.address,
    )


def demo_orders(now: datetime) -> list[OrderInfo]:
    """The twelve demo orders (#1001-#1012) as they stand at `now`."""
    return [*_jane(now), *_sam(now), *_priya(now), *_alex(now)]


def _ago(now: datetime, days: float = 0, hours: float = 0) -> datetime:
    return now - timedelta(days=days, hours=hours)


def _jane(now: datetime) -> list[OrderInfo]:
    o1 = (_item(1001, 1, HOODIE, "M"), _item(1001, 2, SOCKS, "One size", quantity=2))
    in_transit = _shipment(
        1001,
        "UPS",
        "1Z999AA10123456784",
        _ago(now, 2),
        o1,
        status="in_transit",
        event="Departed facility, Louisville KY",
        event_at=_ago(now, hours=10),
        eta=now + timedelta(days=2),
    )
    o2 = (_item(1002, 1, TSHIRT, "L"), _item(1002, 2, CAP, "One size"))
    usps = "9400111899223344556677"
    delivered = _delivered(1002, "USPS", usps, o2, shipped=_ago(now, 8), at=_ago(now, 5))
    return [
        _order(1001, JANE, _ago(now, 3), o1, fulfillments=(in_transit,)),
        _order(1002, JANE, _ago(now, 10), o2, fulfillments=(delivered,)),
        _order(1003, JANE, _ago(now, hours=2), (_item(1003, 1, RAIN_JACKET, "M", shipped=False),)),
    ]


def _sam(now: datetime) -> list[OrderInfo]:
    o4 = (_item(1004, 1, TRAIL_RUNNERS, "10", price="60.00"),)
    ups = "1Z999AA10123456797"
    delivered = _delivered(1004, "UPS", ups, o4, shipped=_ago(now, 64), at=_ago(now, 60))
    mat = _item(1005, 1, YOGA_MAT, "Purple")
    bottles = _item(1005, 2, WATER_BOTTLE, "750 ml", quantity=2, shipped=False)
    mat_parcel = _shipment(
        1005,
        "USPS",
        "9400111899223344550011",
        _ago(now, 2),
        (mat,),
        status="in_transit",
        event="In transit to next facility",
        event_at=_ago(now, 1),
        eta=now + timedelta(days=3),
    )
    o6 = (
        _item(1006, 1, CAP, "One size", shipped=False, refunded=1),
        _item(1006, 2, SOCKS, "One size", shipped=False, refunded=1),
    )
    cancelled = _ago(now, 3)
    return [
        _order(1004, SAM, _ago(now, 66), o4, fulfillments=(delivered,)),
        _order(1005, SAM, _ago(now, 4), (mat, bottles), fulfillments=(mat_parcel,)),
        _order(
            1006,
            SAM,
            _ago(now, 3, hours=4),
            o6,
            shipping="3.00",
            refunds=(_refund(1006, "35.00", cancelled, "Order cancelled", *o6),),
            cancelled=cancelled,
        ),
    ]


def _priya(now: datetime) -> list[OrderInfo]:
    o7 = (_item(1007, 1, HOODIE, "L", refunded=1),)
    o8 = (_item(1008, 1, RAIN_JACKET, "S"),)
    o9 = (_item(1009, 1, WALLET, "Brown"), _item(1009, 2, TSHIRT, "M"))
    dhl = "DHL Express"
    parcels = {
        1007: _delivered(1007, dhl, "4820193756", o7, shipped=_ago(now, 23), at=_ago(now, 20)),
        1008: _delivered(1008, dhl, "4820193757", o8, shipped=_ago(now, 15), at=_ago(now, 12)),
        1009: _delivered(1009, dhl, "4820193758", o9, shipped=_ago(now, 6), at=_ago(now, 3)),
    }
    return [
        _order(
            1007,
            PRIYA,
            _ago(now, 25),
            o7,
            shipping="10.00",
            fulfillments=(parcels[1007],),
            refunds=(_refund(1007, "75.00", _ago(now, 10), "Returned", *o7),),
        ),
        _order(
            1008,
            PRIYA,
            _ago(now, 16),
            o8,
            fulfillments=(parcels[1008],),
            refunds=(_refund(1008, "30.00", _ago(now, 8), "Goodwill credit for a late parcel"),),
        ),
        _order(1009, PRIYA, _ago(now, 7), o9, fulfillments=(parcels[1009],)),
    ]


def _alex(now: datetime) -> list[OrderInfo]:
    o10 = (
        _item(1010, 1, WATER_BOTTLE, "750 ml", shipped=False),
        _item(1010, 2, SOCKS, "One size", shipped=False),
    )
    o11 = (_item(1011, 1, TRAIL_RUNNERS, "9"), _item(1011, 2, RAIN_JACKET, "L"))
    ups = "1Z999AA10123456803"
    delivered = _delivered(1011, "UPS", ups, o11, shipped=_ago(now, 5), at=_ago(now, 2))
    o12 = (_item(1012, 1, HOODIE, "S"),)
    label = _shipment(
        1012,
        "FedEx",
        "123456789012",
        _ago(now, hours=5),
        o12,
        status="label_printed",
        event="Label created",
        event_at=_ago(now, hours=5),
    )
    return [
        _order(1010, ALEX, _ago(now, 3), o10, shipping="3.00"),
        _order(1011, ALEX, _ago(now, 6), o11, fulfillments=(delivered,)),
        _order(1012, ALEX, _ago(now, 1), o12, fulfillments=(label,)),
    ]


def order_numbers_of(customer: DemoCustomer, now: datetime) -> list[str]:
    return [o.name for o in demo_orders(now) if o.customer_id == customer.id]
