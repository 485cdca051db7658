"""Filling a stand-in shop: the demo store's canonical data, or many synthetic orders.

Ids are Shopify gids made unique per shop by `base` (gids are global in Shopify, so
two shops never share one): order #1001 of base 1 is gid://shopify/Order/1001001.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from apps.integrations.commerce.base import Fulfillment, LineItem, OrderInfo, RefundRecord
from apps.integrations.commerce.demo import data
from standins.shopify.shop import Shop
from standins.shopify.state import (
    CustomerRec,
    EventRec,
    FulfillmentRec,
    LineItemRec,
    OrderRec,
    PolicyRec,
    ProductRec,
    RefundRec,
    TransactionRec,
    VariantRec,
    e164,
    gid,
)

POLICY_TYPES = {
    "refund": "REFUND_POLICY",
    "shipping": "SHIPPING_POLICY",
    "privacy": "PRIVACY_POLICY",
    "terms": "TERMS_OF_SERVICE",
}


def _number(demo_id: str) -> int:
    """`demo-li-1001-2` -> 10012: the digits of a demo id, in order."""
    return int("".join(re.findall(r"\d+", demo_id)))


class Ids:
    def __init__(self, base: int) -> None:
        self.base = base

    def of(self, kind: str, demo_id: str) -> str:
        return gid(kind, self.base * 10**7 + _number(demo_id))

    def customer(self, demo_id: str) -> str:
        return gid("Customer", _number(demo_id)) if self.base == 1 else self.of("Customer", demo_id)


def demo_shop(shop: Shop, now: datetime, *, base: int = 1) -> Ids:
    """Store A of the contract: the demo store's customers, catalogue, policies, orders."""
    ids = Ids(base)
    for customer in data.CUSTOMERS:
        cid = ids.customer(customer.id)
        shop.customers[cid] = CustomerRec(cid, customer.name, customer.email, e164(customer.phone))
    shop.products = [_product(spec, ids) for spec in data.PRODUCTS]
    shop.policies = [
        PolicyRec(
            POLICY_TYPES[kind], title, f"<p>{body}</p>", f"https://{shop.domain}/policies/{slug}"
        )
        for kind, title, slug, body in data.POLICIES
    ]
    for order in data.demo_orders(now):
        shop.add_order(order_from_info(order, ids, shop.domain))
    return ids


def foreign_shop(shop: Shop, now: datetime, *, base: int = 2, number: int = 5001) -> Ids:
    """Store B: Jane is a customer here too (another id), with one order, `number`."""
    ids = Ids(base)
    jane = data.JANE
    cid = ids.customer(jane.id)
    shop.customers[cid] = CustomerRec(cid, jane.name, jane.email, e164(jane.phone))
    template = data.demo_orders(now)[0]
    shop.add_order(order_from_info(template, ids, shop.domain, number=number))
    return ids


def _product(spec: data.ProductSpec, ids: Ids) -> ProductRec:
    return ProductRec(
        id=ids.of("Product", spec.platform_id),
        title=spec.title,
        handle=spec.handle,
        product_type=spec.product_type,
        tags=list(spec.tags),
        description=spec.description,
        vendor=data.STORE_NAME,
        variants=[
            VariantRec(
                ids.of("ProductVariant", spec.variant_id(v.title)),
                v.title,
                v.sku,
                v.price,
                v.inventory,
            )
            for v in spec.variants
        ],
    )


def order_from_info(
    info: OrderInfo, ids: Ids, domain: str, *, number: int | None = None
) -> OrderRec:
    """A demo OrderInfo as Shopify would hold it (its own ids, E.164 phones)."""
    number = number or info.number or 0
    renumber = (
        (lambda i: i.replace(str(info.number), str(number), 1))
        if number != info.number
        else (lambda i: i)
    )
    line_id = {item.id: ids.of("LineItem", renumber(item.id)) for item in info.line_items}
    address = info.shipping_address
    return OrderRec(
        id=ids.of("Order", renumber(info.id)),
        number=number,
        email=info.email,
        phone=e164(info.phone),
        customer_id=ids.customer(info.customer_id) if info.customer_id else None,
        customer_name=info.customer_name,
        created_at=info.created_at or datetime.now(),
        updated_at=info.updated_at or info.created_at or datetime.now(),
        line_items=[_line(item, line_id[item.id], ids) for item in info.line_items],
        shipping_address=(
            {
                "name": address.name,
                "address1": address.address1,
                "address2": address.address2 or None,
                "city": address.city,
                "province": address.province or None,
                "zip": address.zip,
                "country": address.country,
                "countryCodeV2": address.country_code,
                "phone": e164(address.phone) or None,
            }
            if address
            else None
        ),
        sale_transaction_id=ids.of("OrderTransaction", renumber(info.id)),
        currency=info.currency,
        shipping=info.total_shipping,
        fulfillments=[_fulfillment(f, line_id, ids, renumber) for f in info.fulfillments],
        refunds=[_refund(r, line_id, ids, renumber) for r in info.refunds],
        cancelled_at=info.cancelled_at,
        cancel_reason=info.cancel_reason.upper() or None if info.cancelled_at else None,
        tags=list(info.tags),
        note=info.note or None,
        status_url=f"https://{domain}/orders/{number}/status",
    )


def _line(item: LineItem, line_id: str, ids: Ids) -> LineItemRec:
    return LineItemRec(
        id=line_id,
        title=item.title,
        variant_title=item.variant_title,
        sku=item.sku,
        quantity=item.quantity,
        price=item.price,
        variant_id=ids.of("ProductVariant", item.variant_id),
        product_id=ids.of("Product", item.product_id),
        product_tags=item.tags,
    )


def _fulfillment(f: Fulfillment, line_id: dict[str, str], ids: Ids, renumber) -> FulfillmentRec:  # type: ignore[no-untyped-def]
    fid = ids.of("Fulfillment", renumber(f.id))
    events = []
    if f.latest_event_at is not None:
        events.append(
            EventRec(
                id=ids.of("FulfillmentEvent", renumber(f.id)),
                status=f.shipment_status.upper(),
                message=f.latest_event,
                happened_at=f.latest_event_at,
            )
        )
    return FulfillmentRec(
        id=fid,
        created_at=f.created_at or datetime.now(),
        updated_at=f.updated_at or f.created_at or datetime.now(),
        tracking=[(t.number, t.company, t.url) for t in f.tracking],
        lines=[
            (
                ids.of("FulfillmentLineItem", renumber(q.line_item_id)),
                line_id[q.line_item_id],
                q.quantity,
            )
            for q in f.line_items
        ],
        events=events,
        estimated_delivery_at=f.estimated_delivery_at,
        delivered_at=f.delivered_at,
    )


def _refund(r: RefundRecord, line_id: dict[str, str], ids: Ids, renumber) -> RefundRec:  # type: ignore[no-untyped-def]
    return RefundRec(
        id=ids.of("Refund", renumber(r.id)),
        created_at=r.created_at or datetime.now(),
        note=r.note,
        amount=r.amount,
        lines=[
            (
                ids.of("RefundLineItem", renumber(q.line_item_id)),
                line_id[q.line_item_id],
                q.quantity,
            )
            for q in r.line_items
        ],
    )


# ---------------------------------------------------------------- synthetic shops


def synthetic_orders(
    shop: Shop,
    count: int,
    *,
    now: datetime,
    base: int = 3,
    email: Callable[[int], str] = lambda n: f"b{n % 500}@example.com",
    ship_all: bool = False,
) -> None:
    """`count` orders over the last 80 days: 1-3 line items, 3 in 4 shipped (or all), one
    in 10 partly refunded. Order n is #1001+n, bought by `email(n)`."""
    for n in range(count):
        number = 1001 + n
        created = now - timedelta(days=80) + timedelta(seconds=n * 80 * 86400 // max(1, count))
        lines = [
            LineItemRec(
                id=gid("LineItem", base * 10**8 + number * 10 + k),
                title=f"Product {k}",
                variant_title="M",
                sku=f"SKU-{k}",
                quantity=1 + k,
                price=Decimal("20.00") + k,
                variant_id=gid("ProductVariant", 100 + k),
                product_id=gid("Product", 100 + k),
                product_tags=("synthetic",),
            )
            for k in range(1 + n % 3)
        ]
        order = OrderRec(
            id=gid("Order", base * 10**7 + number),
            number=number,
            email=email(n),
            phone="",
            customer_id=gid("Customer", base * 10**6 + n % 500),
            customer_name=f"Buyer {n % 500}",
            created_at=created,
            updated_at=created + timedelta(hours=6),
            line_items=lines,
            shipping_address=None,
            sale_transaction_id=gid("OrderTransaction", base * 10**7 + number),
            shipping=Decimal("5.00"),
        )
        if ship_all or n % 4:
            order.fulfillments.append(_shipped(order, base, created))
        if n % 10 == 0:
            first = lines[0]
            order.refunds.append(
                RefundRec(
                    id=gid("Refund", base * 10**7 + number),
                    created_at=created + timedelta(days=2),
                    note="Returned",
                    amount=first.price,
                    lines=[(gid("RefundLineItem", base * 10**7 + number), first.id, 1)],
                )
            )
        shop.add_order(order)


def _shipped(order: OrderRec, base: int, created: datetime) -> FulfillmentRec:
    fid = base * 10**7 + order.number
    return FulfillmentRec(
        id=gid("Fulfillment", fid),
        created_at=created + timedelta(days=1),
        updated_at=created + timedelta(days=2),
        tracking=[(f"1Z{fid}", "UPS", f"https://www.ups.com/track?tracknum=1Z{fid}")],
        lines=[
            (gid("FulfillmentLineItem", fid * 10 + k), i.id, i.quantity)
            for k, i in enumerate(order.line_items)
        ],
        events=[
            EventRec(
                gid("FulfillmentEvent", fid),
                "IN_TRANSIT",
                "Departed facility",
                created + timedelta(days=2),
            )
        ],
        estimated_delivery_at=created + timedelta(days=5),
    )


def paid_through_stripe(order: OrderRec, intent: str, *, where: str = "authorization") -> None:
    """Make `order` one a Stripe checkout paid, the way such orders show on Shopify:
    `authorization`: a stripe-gateway SALE whose authorizationCode is the PaymentIntent;
    `receipt`: the same with the id only in the gateway's receipt (PaymentIntent and its
    charge); `attribute`: a note attribute `stripe_payment_intent` on an order whose
    payment Shopify recorded with the manual gateway."""
    sale = order.sale_transaction_id
    if where == "attribute":
        order.transactions = [TransactionRec(sale, "manual", "SALE", "SUCCESS", order.total)]
        order.custom_attributes.append(("stripe_payment_intent", intent))
        return
    charge = "ch_" + intent.removeprefix("pi_")
    receipt = {"id": intent, "object": "payment_intent", "latest_charge": charge}
    order.transactions = [
        TransactionRec(
            sale,
            "stripe",
            "SALE",
            "SUCCESS",
            order.total,
            authorization_code=intent if where == "authorization" else None,
            receipt=receipt,
        )
    ]
