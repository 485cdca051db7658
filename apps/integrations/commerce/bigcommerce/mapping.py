"""BigCommerce JSON -> the commerce protocol's values.

An order is read from Orders V2 (the order with its products and shipping addresses as
consignments, its shipments) and Orders V3 (its refunds). BigCommerce knows a parcel's
tracking number and link but not where the parcel is: a fulfillment here has no carrier
status or events, except "delivered" once the merchant marks the order Completed (receipt
confirmed).
Orders have no tags: ours live on one marked line of the staff notes (notes.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from django.utils.html import strip_tags

from apps.integrations.commerce.base import (
    Address,
    Fulfillment,
    LineItem,
    LineItemQuantity,
    OrderInfo,
    Policy,
    Product,
    ProductVariant,
    RefundRecord,
    Tracking,
)
from apps.integrations.commerce.bigcommerce import notes

CANCELLED = 5
# "Completed": shipped and receipt confirmed (BigCommerce's order statuses); "Shipped"
# is shipped with receipt not confirmed, so it says nothing about where the parcel is.
COMPLETED = 10
_PENDING = {0, 1, 7}
# Shipment `shipping_provider` codes (Orders V2) as a customer knows the carrier.
CARRIERS = {
    "ups": "UPS",
    "upsready": "UPS",
    "usps": "USPS",
    "endicia": "USPS",
    "fedex": "FedEx",
    "royalmail": "Royal Mail",
    "auspost": "Australia Post",
    "canadapost": "Canada Post",
}


def money(value: object) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")


def v2_date(value: object) -> datetime | None:
    """Orders V2 dates are RFC 2822 ("Tue, 20 Nov 2012 00:00:00 +0000")."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def v3_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return str(value) if value is not None else ""


def address(row: Mapping[str, Any]) -> Address:
    return Address(
        name=" ".join(p for p in (_text(row, "first_name"), _text(row, "last_name")) if p),
        address1=_text(row, "street_1"),
        address2=_text(row, "street_2"),
        city=_text(row, "city"),
        province=_text(row, "state"),
        zip=_text(row, "zip"),
        country=_text(row, "country"),
        country_code=_text(row, "country_iso2"),
        phone=_text(row, "phone"),
    )


def product_tags(product: Mapping[str, Any]) -> tuple[str, ...]:
    """A catalog product's tags: BigCommerce has none, so merchants keep them in a custom
    field named "tags" (comma-separated, e.g. "final-sale"), the words Shopify's tags hold."""
    found: list[str] = []
    for custom in product.get("custom_fields") or []:
        if isinstance(custom, dict) and str(custom.get("name", "")).strip().lower() == "tags":
            found += [t.strip() for t in str(custom.get("value") or "").split(",") if t.strip()]
    return tuple(found[:20])


def line_item(row: Mapping[str, Any], tags: tuple[str, ...] = ()) -> LineItem:
    options = row.get("product_options") or []
    return LineItem(
        id=_text(row, "id"),
        title=_text(row, "name"),
        quantity=int(row.get("quantity") or 0),
        price=money(row.get("price_inc_tax") or row.get("base_price")),
        variant_title=" / ".join(
            str(o.get("display_value")) for o in options if isinstance(o, dict)
        ),
        sku=_text(row, "sku"),
        product_id=_text(row, "product_id"),
        variant_id=_text(row, "variant_id"),
        fulfilled_quantity=int(row.get("quantity_shipped") or 0),
        refunded_quantity=int(row.get("quantity_refunded") or 0),
        tags=tags,
    )


def fulfillment(row: Mapping[str, Any]) -> Fulfillment:
    code = _text(row, "shipping_provider")
    company = CARRIERS.get(code, "") or _text(row, "tracking_carrier").upper()
    link = _text(row, "tracking_link") or _text(row, "generated_tracking_link")
    created = v2_date(row.get("date_created"))
    return Fulfillment(
        id=_text(row, "id"),
        status="success",
        tracking=(Tracking(_text(row, "tracking_number"), company, link),),
        created_at=created,
        updated_at=created,
        line_items=tuple(
            LineItemQuantity(str(i.get("order_product_id")), int(i.get("quantity") or 0))
            for i in row.get("items") or []
            if isinstance(i, dict)
        ),
    )


def refund_record(row: Mapping[str, Any]) -> RefundRecord:
    items = [i for i in row.get("items") or [] if isinstance(i, dict)]
    return RefundRecord(
        id=_text(row, "id"),
        amount=money(row.get("total_amount")),
        created_at=v3_date(row.get("created")),
        note=_text(row, "reason"),
        line_items=tuple(
            LineItemQuantity(str(i.get("item_id")), int(i.get("quantity") or 0))
            for i in items
            if i.get("item_type") == "PRODUCT"
        ),
    )


def counts(refund: Mapping[str, Any]) -> bool:
    """A refund whose every payment the gateway declined moved no money."""
    payments = [p for p in refund.get("payments") or [] if isinstance(p, dict)]
    return not payments or not all(p.get("is_declined") for p in payments)


def consignment_parts(
    consignments: object,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """(order products, shipping addresses) from an order's consignments in the object
    structure with line items, or None when the row does not carry them (the
    `{url, resource}` link, the legacy array, line items given as links)."""
    if not isinstance(consignments, Mapping) or not isinstance(consignments.get("shipping"), list):
        return None
    groups: list[Any] = []
    for name in ("shipping", "pickups", "downloads"):
        groups += consignments.get(name) or []
    groups += (consignments.get("email") or {}).get("gift_certificates") or []
    products: list[dict[str, Any]] = []
    for group in groups:
        if not isinstance(group, dict):
            return None
        items = group.get("line_items") or []
        if isinstance(items, dict):  # a single link
            return None
        for item in items:
            if not isinstance(item, dict) or "quantity" not in item:
                return None  # a link to the product, not the product
            products.append(item)
    addresses = [a for a in consignments.get("shipping") or [] if isinstance(a, dict)]
    return products, addresses


def order_info(
    order: Mapping[str, Any],
    products: Sequence[Mapping[str, Any]],
    addresses: Sequence[Mapping[str, Any]],
    shipments: Sequence[Mapping[str, Any]],
    refunds: Sequence[Mapping[str, Any]],
    tags_by_product: Mapping[str, tuple[str, ...]] | None = None,
) -> OrderInfo:
    billing = order.get("billing_address") or {}
    tags_of = tags_by_product or {}
    items = tuple(line_item(p, tags_of.get(_text(p, "product_id"), ())) for p in products)
    total = money(order.get("total_inc_tax"))
    refunded = money(order.get("refunded_amount"))
    status_id = int(order.get("status_id") or 0)
    modified = v2_date(order.get("date_modified"))
    staff_notes, tags = notes.split_tags(_text(order, "staff_notes"))
    return OrderInfo(
        id=_text(order, "id"),
        name=f"#{order.get('id')}",
        number=int(order["id"]),
        currency=_text(order, "currency_code") or "USD",
        financial_status=_financial(status_id, total, refunded),
        fulfillment_status=_fulfilment(items),
        total_price=total,
        email=_text(billing, "email"),
        phone=_text(billing, "phone"),
        customer_id=_text(order, "customer_id") if order.get("customer_id") else "",
        customer_name=address(billing).name,
        subtotal_price=money(order.get("subtotal_inc_tax")),
        total_shipping=money(order.get("shipping_cost_inc_tax")),
        total_refunded=refunded,
        created_at=v2_date(order.get("date_created")),
        updated_at=modified,
        cancelled_at=modified if status_id == CANCELLED else None,
        line_items=items,
        fulfillments=_delivered_if_completed(
            tuple(fulfillment(s) for s in shipments), status_id, items, modified
        ),
        refunds=tuple(refund_record(r) for r in refunds if counts(r)),
        shipping_address=address(addresses[0]) if addresses else None,
        tags=tags,
        note=staff_notes,
    )


def _delivered_if_completed(
    parcels: tuple[Fulfillment, ...],
    status_id: int,
    items: tuple[LineItem, ...],
    modified: datetime | None,
) -> tuple[Fulfillment, ...]:
    """A completed order's parcels arrived, as far as the store knows: when it was marked
    completed (its last change) is the best date there is."""
    everything_shipped = items and all(i.fulfilled_quantity >= i.quantity for i in items)
    if status_id != COMPLETED or not everything_shipped or modified is None:
        return parcels
    return tuple(
        replace(p, shipment_status="delivered", delivered_at=modified, latest_event="Delivered")
        for p in parcels
    )


def keep_deliveries(info: OrderInfo, earlier: OrderInfo | None) -> OrderInfo:
    """A parcel we once saw delivered stays delivered: a refund later moves a Completed
    order to (Partially) Refunded, and the status alone would forget the delivery."""
    if earlier is None:
        return info
    delivered = {f.id: f for f in earlier.fulfillments if f.delivered_at is not None}
    if not delivered:
        return info
    kept = tuple(
        replace(
            f,
            shipment_status="delivered",
            delivered_at=delivered[f.id].delivered_at,
            latest_event=delivered[f.id].latest_event or "Delivered",
        )
        if f.id in delivered and f.delivered_at is None
        else f
        for f in info.fulfillments
    )
    return replace(info, fulfillments=kept)


def _financial(status_id: int, total: Decimal, refunded: Decimal) -> str:
    if refunded > 0:
        return "refunded" if refunded >= total else "partially_refunded"
    return "pending" if status_id in _PENDING else "paid"


def _fulfilment(items: tuple[LineItem, ...]) -> str:
    shipped = sum(i.fulfilled_quantity for i in items)
    if not shipped:
        return "unfulfilled"
    return "fulfilled" if shipped >= sum(i.quantity for i in items) else "partially_fulfilled"


def product(row: Mapping[str, Any], *, currency: str, domain: str) -> Product:
    tracking = _text(row, "inventory_tracking")
    product_level = int(row.get("inventory_level") or 0)
    variants = []
    for v in row.get("variants") or []:
        level = int(v.get("inventory_level") or 0)
        in_stock = {"none": True, "product": product_level > 0}.get(tracking, level > 0)
        variants.append(
            ProductVariant(
                id=_text(v, "id"),
                title=" / ".join(
                    str(o.get("label")) for o in v.get("option_values") or [] if isinstance(o, dict)
                )
                or _text(row, "name"),
                price=money(v.get("price") if v.get("price") is not None else row.get("price")),
                available=in_stock and not v.get("purchasing_disabled"),
                inventory_quantity=None if tracking == "none" else level,
                sku=_text(v, "sku"),
            )
        )
    path = _text(row.get("custom_url") or {}, "url")
    return Product(
        id=_text(row, "id"),
        title=_text(row, "name"),
        currency=currency,
        variants=tuple(variants),
        handle=path.strip("/"),
        url=f"https://{domain}{path}" if path else "",
        description=strip_tags(_text(row, "description")).strip(),
    )


_POLICY_WORDS = (
    ("refund", ("refund", "return")),
    ("shipping", ("shipping", "delivery")),
    ("privacy", ("privacy",)),
    ("terms", ("terms",)),
)


def policy(row: Mapping[str, Any], *, domain: str) -> Policy | None:
    """A store web page that is one of the store's policies (by its name), else None.

    BigCommerce has no policies API: merchants write them as web pages."""
    name = _text(row, "name")
    kind = next((k for k, words in _POLICY_WORDS if any(w in name.lower() for w in words)), "")
    body = strip_tags(_text(row, "body")).strip()
    if not kind or not body or row.get("is_visible") is False:
        return None
    path = _text(row, "url")
    return Policy(type=kind, title=name, body=body, url=f"https://{domain}{path}" if path else "")
