"""Filling a BigCommerce stand-in: the demo store's canonical data, or many synthetic orders.

BigCommerce numbers orders per store and shows the id as the order number, so order #1001
is id 1001; customers, order products, addresses and shipments get integer ids made from
the digits of the demo ids (demo-li-1001-2 -> 10012).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from apps.integrations.commerce.base import Address, OrderInfo
from apps.integrations.commerce.demo import data
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.state import (
    AddressRec,
    CustomerRec,
    OrderProductRec,
    OrderRec,
    PageRec,
    ProductRec,
    RefundRec,
    ShipmentRec,
    StoreState,
    VariantRec,
)

# Shipment `shipping_provider` codes (Orders V2); others leave it empty and keep their link.
PROVIDER_CODES = {"UPS": "ups", "USPS": "usps", "FedEx": "fedex"}


def number(demo_id: str) -> int:
    return int("".join(re.findall(r"\d+", demo_id)))


def demo_store(standin: BigCommerceStandIn, now: datetime) -> dict[str, str]:
    """Store A of the contract. Returns the demo customer id -> this store's customer id."""
    state = standin.state
    for customer in data.CUSTOMERS:
        first, _, last = customer.name.partition(" ")
        cid = number(customer.id)
        state.customers[cid] = CustomerRec(cid, first, last, customer.email, customer.phone)
    state.products = [_product(spec) for spec in data.PRODUCTS]
    state.pages = [
        PageRec(i + 1, title, f"<p>{body}</p>", f"/{slug}/")
        for i, (_, title, slug, body) in enumerate(data.POLICIES)
    ]
    for info in data.demo_orders(now):
        add_order(state, info)
    ids = {c.id: str(number(c.id)) for c in data.CUSTOMERS}
    ids["demo-cust-999"] = "999"
    return ids


def foreign_store(standin: BigCommerceStandIn, now: datetime, *, order_number: int) -> None:
    """Store B: Jane is a customer here too (another id), with one order."""
    jane = data.JANE
    first, _, last = jane.name.partition(" ")
    standin.state.customers[7] = CustomerRec(7, first, last, jane.email, jane.phone)
    template = data.demo_orders(now)[0]
    add_order(standin.state, replace(template, name=f"#{order_number}", number=order_number), 7)


def synthetic_orders(
    standin: BigCommerceStandIn,
    count: int,
    *,
    now: datetime,
    email: Callable[[int], str] = lambda n: f"b{n % 500}@example.com",
) -> None:
    """`count` shipped orders (#1001+n, bought by `email(n)`, a UPS parcel each) over the
    last 80 days, like the Shopify stand-in's synthetic shop."""
    state = standin.state
    for n in range(count):
        number = 1001 + n
        created = now - timedelta(days=80) + timedelta(seconds=n * 80 * 86400 // max(1, count))
        products = [
            OrderProductRec(
                id=number * 10 + k,
                product_id=100 + k,
                variant_id=1000 + k,
                name=f"Product {k}",
                sku=f"SKU-{k}",
                option="M",
                price=Decimal("20.00") + k,
                quantity=1 + k,
                quantity_shipped=1 + k,
            )
            for k in range(1 + n % 3)
        ]
        address = _address(number * 10, f"Buyer {n % 500}", Address(), email(n), "")
        order = OrderRec(
            id=number,
            customer_id=0,
            billing=address,
            date_created=created,
            date_modified=created + timedelta(hours=6),
            status_id=2,
            currency="USD",
            shipping_cost=Decimal("5.00"),
            products=products,
            shipping_addresses=[address],
        )
        tracking = f"1Z{number:010d}"
        order.shipments.append(
            ShipmentRec(
                id=number,
                date_created=created + timedelta(days=1),
                tracking_number=tracking,
                shipping_provider="ups",
                tracking_link=f"https://www.ups.com/track?tracknum={tracking}",
                order_address_id=address.id,
                items=[(p.id, p.quantity) for p in products],
            )
        )
        state.orders[number] = order


def add_order(state: StoreState, info: OrderInfo, customer_id: int | None = None) -> OrderRec:
    assert info.number is not None
    address = info.shipping_address or Address()
    shipping_id = info.number * 10 + 1
    products = [
        OrderProductRec(
            id=number(item.id) if info.number < 5000 else info.number * 10 + k,
            product_id=number(item.product_id),
            variant_id=number(item.variant_id),
            name=item.title,
            sku=item.sku,
            option=item.variant_title,
            price=item.price,
            quantity=item.quantity,
            quantity_shipped=item.fulfilled_quantity,
            quantity_refunded=item.refunded_quantity,
        )
        for k, item in enumerate(info.line_items, start=1)
    ]
    by_demo_id = {
        item.id: product.id for item, product in zip(info.line_items, products, strict=True)
    }
    order = OrderRec(
        id=info.number,
        customer_id=number(info.customer_id) if customer_id is None else customer_id,
        billing=_address(shipping_id - 1, info.customer_name, address, info.email, info.phone),
        date_created=info.created_at or datetime.now(),
        # A delivered order was marked Completed when it arrived.
        date_modified=info.delivered_at or info.updated_at or info.created_at or datetime.now(),
        status_id=_status(info),
        currency=info.currency,
        shipping_cost=info.total_shipping,
        products=products,
        shipping_addresses=[_address(shipping_id, info.customer_name, address, info.email, "")],
        staff_notes=info.note,
    )
    for fulfillment in info.fulfillments:
        tracking = fulfillment.tracking[0]
        order.shipments.append(
            ShipmentRec(
                id=number(fulfillment.id) if info.number < 5000 else info.number * 10,
                date_created=fulfillment.created_at or order.date_created,
                tracking_number=tracking.number,
                shipping_provider=PROVIDER_CODES.get(tracking.company, ""),
                tracking_link=tracking.url,
                order_address_id=shipping_id,
                items=[(by_demo_id[q.line_item_id], q.quantity) for q in fulfillment.line_items],
            )
        )
    for refund in info.refunds:
        items = [
            {"item_type": "PRODUCT", "item_id": by_demo_id[q.line_item_id], "quantity": q.quantity}
            for q in refund.line_items
        ] or [{"item_type": "ORDER", "item_id": order.id, "amount": float(refund.amount)}]
        order.refunds.append(
            RefundRec(
                id=number(refund.id),
                created=refund.created_at or order.date_created,
                reason=refund.note,
                total=refund.amount,
                items=items,
                payments=[
                    {"provider_id": "stripe", "amount": float(refund.amount), "offline": False}
                ],
            )
        )
    state.orders[order.id] = order
    return order


def _status(info: OrderInfo) -> int:
    if info.cancelled_at is not None:
        return 5
    if info.financial_status == "refunded":
        return 4
    if info.financial_status == "partially_refunded":
        return 14
    if info.delivered_at is not None:
        return 10  # Completed: shipped, receipt confirmed
    return {"fulfilled": 2, "partially_fulfilled": 3}.get(info.fulfillment_status, 11)


def _address(aid: int, name: str, address: Address, email: str, phone: str) -> AddressRec:
    first, _, last = name.partition(" ")
    return AddressRec(
        id=aid,
        first_name=first,
        last_name=last,
        street_1=address.address1,
        street_2=address.address2,
        city=address.city,
        state=address.province,
        zip=address.zip,
        country=address.country,
        country_iso2=address.country_code,
        phone=phone or address.phone,
        email=email,
    )


def _product(spec: data.ProductSpec) -> ProductRec:
    tracked = any(v.inventory is not None for v in spec.variants)
    variants = [
        VariantRec(
            id=spec.number * 100 + position,
            sku=variant.sku,
            price=variant.price,
            option=variant.title,
            inventory_level=variant.inventory if variant.inventory is not None else 1000,
        )
        for position, variant in enumerate(spec.variants, start=1)
    ]
    return ProductRec(
        id=spec.number,
        name=spec.title,
        sku=spec.handle.upper(),
        description=f"<p>{spec.description}</p>",
        price=min((v.price for v in spec.variants), default=Decimal("0")),
        url=f"/{spec.handle}/",
        inventory_tracking="variant" if tracked else "none",
        variants=variants,
        custom_fields=[("tags", ", ".join(spec.tags))] if spec.tags else [],
    )
