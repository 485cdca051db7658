"""Filling a stand-in WooCommerce store with the demo store's canonical data.

Core WooCommerce numbers an order with its post id, so store A's order #1001 has id 1001.
A store running a sequential-number plugin numbers orders apart from their ids: store B
(`order_offset`) holds #5001 under another id, so both lookup paths are exercised.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from apps.integrations.commerce.base import Fulfillment, OrderInfo
from apps.integrations.commerce.demo import data
from standins.woocommerce.store import WooStandIn
from standins.woocommerce.writes import gmt, money

_TRACKSHIP_STATES = {"label_printed": "pre_transit"}


def _digits(demo_id: str) -> int:
    return int("".join(re.findall(r"\d+", demo_id)))


class WooIds:
    def __init__(self, *, order_offset: int = 0, customer_offset: int = 100) -> None:
        self.order_offset = order_offset
        self.customer_offset = customer_offset

    def order(self, number: int) -> int:
        return number + self.order_offset

    def customer(self, demo_id: str) -> int:
        return self.customer_offset + _digits(demo_id)

    def line(self, demo_line_id: str) -> int:
        return _digits(demo_line_id) + self.order_offset * 100


def product_id(spec: data.ProductSpec) -> int:
    return 10 + spec.number


def variation_id(spec: data.ProductSpec, title: str) -> int:
    return product_id(spec) * 100 + [v.title for v in spec.variants].index(title) + 1


def demo_store(shop: WooStandIn, now: datetime, *, ids: WooIds | None = None) -> WooIds:
    """Store A of the contract: the demo store's customers, catalogue, pages and orders."""
    ids = ids or WooIds()
    for customer in data.CUSTOMERS:
        cid = ids.customer(customer.id)
        shop.customers[cid] = _customer(cid, customer)
    for spec in data.PRODUCTS:
        add_product(shop, spec)
    for _kind, title, slug, body in data.POLICIES:
        shop.pages.append(
            {
                "id": shop.new_id(),
                "slug": slug,
                "status": "publish",
                "link": f"https://{shop.domain}/{slug}/",
                "title": {"rendered": title},
                "content": {"rendered": f"<p>{body}</p>\n", "protected": False},
            }
        )
    for order in data.demo_orders(now):
        add_order(shop, order, ids)
    return ids


def foreign_store(shop: WooStandIn, now: datetime, *, number: int = 5001) -> WooIds:
    """Store B: Jane shops here too (another customer id), with one order, `number`."""
    ids = WooIds(order_offset=60_000, customer_offset=500)
    jane = data.JANE
    shop.customers[ids.customer(jane.id)] = _customer(ids.customer(jane.id), jane)
    template = data.demo_orders(now)[0]
    add_order(shop, template, ids, number=number)
    return ids


def _customer(cid: int, customer: data.DemoCustomer) -> dict[str, Any]:
    first, _, last = customer.name.partition(" ")
    address = _address(customer.address, email=customer.email)
    return {
        "id": cid,
        "email": customer.email,
        "first_name": first,
        "last_name": last,
        "role": "customer",
        "billing": address,
        "shipping": {k: v for k, v in address.items() if k != "email"},
    }


def _address(address: Any, *, email: str = "") -> dict[str, str]:
    first, _, last = (address.name if address else "").partition(" ")
    row = {
        "first_name": first,
        "last_name": last,
        "company": "",
        "address_1": address.address1 if address else "",
        "address_2": address.address2 if address else "",
        "city": address.city if address else "",
        "state": address.province if address else "",
        "postcode": address.zip if address else "",
        "country": address.country_code if address else "",
        "phone": address.phone if address else "",
    }
    if email:
        row["email"] = email
    return row


def add_product(shop: WooStandIn, spec: data.ProductSpec) -> None:
    pid = product_id(spec)
    variable = len(spec.variants) > 1
    first = spec.variants[0]
    shop.products[pid] = {
        "id": pid,
        "name": spec.title,
        "slug": spec.handle,
        "permalink": f"https://{shop.domain}/product/{spec.handle}/",
        "type": "variable" if variable else "simple",
        "status": "publish",
        "description": f"<p>{spec.description}</p>",
        "short_description": f"<p>{spec.description}</p>",
        "sku": "" if variable else first.sku,
        "price": money(min(v.price for v in spec.variants)),
        "categories": [{"id": 1, "name": spec.product_type, "slug": spec.product_type.lower()}],
        "tags": [{"id": i + 1, "name": t, "slug": t} for i, t in enumerate(spec.tags)],
        "variations": [variation_id(spec, v.title) for v in spec.variants] if variable else [],
        **({} if variable else _stock(first.inventory)),
    }
    if variable:
        shop.variations[pid] = [
            {
                "id": variation_id(spec, v.title),
                "sku": v.sku,
                "price": money(v.price),
                "regular_price": money(v.price),
                "attributes": [{"id": 1, "name": "Size", "option": v.title}],
                **_stock(v.inventory),
            }
            for v in spec.variants
        ]


def _stock(inventory: int | None) -> dict[str, Any]:
    if inventory is None:
        return {"manage_stock": False, "stock_quantity": None, "stock_status": "instock"}
    status = "instock" if inventory > 0 else "outofstock"
    return {"manage_stock": True, "stock_quantity": inventory, "stock_status": status}


def add_order(
    shop: WooStandIn,
    info: OrderInfo,
    ids: WooIds,
    *,
    number: int | None = None,
    payment_method: str = "stripe",
    guest: bool = False,
) -> dict[str, Any]:
    """A demo OrderInfo as WooCommerce would hold it; returns the order's JSON."""
    number = number or info.number or 0
    order_id = ids.order(number)
    specs = {s.platform_id: s for s in data.PRODUCTS}
    customer = next((c for c in data.CUSTOMERS if c.id == info.customer_id), None)
    lines = [_line(shop, ids, item, specs[item.product_id]) for item in info.line_items]
    billing = _address(customer.address if customer else info.shipping_address, email=info.email)
    order: dict[str, Any] = {
        "id": order_id,
        "number": str(number),
        "status": _status(info),
        "currency": info.currency,
        "date_created_gmt": gmt(info.created_at) if info.created_at else shop.now_gmt(),
        "date_modified_gmt": gmt(info.updated_at) if info.updated_at else shop.now_gmt(),
        "date_paid_gmt": gmt(info.created_at) if info.created_at else None,
        "customer_id": 0 if guest or customer is None else ids.customer(customer.id),
        "customer_note": "",
        "billing": billing,
        "shipping": _address(info.shipping_address),
        "payment_method": payment_method,
        "payment_method_title": {"stripe": "Credit card", "cod": "Cash on delivery"}.get(
            payment_method, payment_method
        ),
        "shipping_total": money(info.total_shipping),
        "total": money(info.total_price),
        "total_tax": "0.00",
        "line_items": lines,
        "refunds": [],
        "meta_data": _tracking_meta(shop, info.fulfillments, ids),
    }
    order["date_created"] = order["date_created_gmt"]
    order["date_modified"] = order["date_modified_gmt"]
    shop.orders[order_id] = order
    for record in info.refunds:
        refund_lines = [
            {
                "id": shop.new_id(),
                "name": next(i.title for i in info.line_items if i.id == q.line_item_id),
                "quantity": -q.quantity,
                "meta_data": [{"key": "_refunded_item_id", "value": str(ids.line(q.line_item_id))}],
            }
            for q in record.line_items
        ]
        refund: dict[str, Any] = {
            "id": shop.new_id(),
            "date_created_gmt": gmt(record.created_at) if record.created_at else shop.now_gmt(),
            "amount": money(record.amount),
            "reason": record.note,
            "refunded_payment": True,
            "meta_data": [],
            "line_items": refund_lines,
        }
        shop.refunds.setdefault(order_id, []).append(refund)
        order["refunds"].append(
            {"id": refund["id"], "reason": record.note, "total": money(-record.amount)}
        )
    return order


def _status(info: OrderInfo) -> str:
    if info.cancelled_at is not None:
        return "cancelled"
    if info.financial_status == "refunded":
        return "refunded"
    return {"fulfilled": "completed", "partially_fulfilled": "partial-shipped"}.get(
        info.fulfillment_status, "processing"
    )


def _line(shop: WooStandIn, ids: WooIds, item: Any, spec: data.ProductSpec) -> dict[str, Any]:
    variable = len(spec.variants) > 1
    subtotal = item.price * item.quantity
    meta = (
        [
            {
                "id": shop.new_id(),
                "key": "pa_size",
                "value": item.variant_title.lower(),
                "display_key": "Size",
                "display_value": item.variant_title,
            }
        ]
        if variable
        else []
    )
    return {
        "id": ids.line(item.id),
        "name": item.title,
        "product_id": product_id(spec),
        "variation_id": variation_id(spec, item.variant_title) if variable else 0,
        "quantity": item.quantity,
        "subtotal": money(subtotal),
        "total": money(subtotal),
        "sku": item.sku,
        "price": float(item.price),
        "meta_data": meta,
    }


def _tracking_meta(
    shop: WooStandIn, parcels: tuple[Fulfillment, ...], ids: WooIds
) -> list[dict[str, Any]]:
    if not parcels:
        return []
    items: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for parcel in parcels:
        tracking = parcel.tracking[0]
        partial = [
            {"item_id": ids.line(q.line_item_id), "qty": q.quantity} for q in parcel.line_items
        ]
        item = {
            "tracking_provider": "",
            "custom_tracking_provider": tracking.company,
            "custom_tracking_link": tracking.url,
            "tracking_number": tracking.number,
            "date_shipped": str(int(parcel.created_at.timestamp())) if parcel.created_at else "",
            "tracking_id": hashlib.md5(tracking.number.encode()).hexdigest(),  # noqa: S324
            "products_list": partial,
        }
        items.append(item)
        moment = parcel.delivered_at or parcel.latest_event_at
        states.append(
            {
                "status": _TRACKSHIP_STATES.get(parcel.shipment_status, parcel.shipment_status),
                "status_date": _plain_date(moment),
                "est_delivery_date": _plain_date(parcel.estimated_delivery_at),
                "tracking_events": [
                    {
                        "message": parcel.latest_event,
                        "datetime": _plain_date(parcel.latest_event_at),
                    }
                ]
                if parcel.latest_event
                else [],
            }
        )
    return [
        {"id": shop.new_id(), "key": "_wc_shipment_tracking_items", "value": items},
        {"id": shop.new_id(), "key": "shipment_status", "value": states},
    ]


def _plain_date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""
