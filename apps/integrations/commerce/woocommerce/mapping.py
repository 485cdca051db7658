"""WooCommerce REST resources -> the protocol's typed values. Never raises on odd JSON.

An order is read from `GET /orders/{id}` plus, when it has refunds, `GET /orders/{id}/
refunds` (the order lists refunds only as `{id, reason, total}`; which items a refund
covered is on the refund's line items, tied to the order's by `_refunded_item_id`).
Core has no shipments: parcels come from tracking plugins' meta (`tracking.py`), and
what we record ourselves (notes, tags, returns, a cancellation) lives in `_aftersale_*`
order meta, which the merchant sees in the order's custom fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.integrations.commerce.base import (
    Address,
    LineItem,
    LineItemQuantity,
    OrderInfo,
    Product,
    ProductVariant,
    RefundRecord,
    parse_order_number,
)
from apps.integrations.commerce.woocommerce.tracking import parcels_from_meta

ZERO = Decimal("0")
CENT = Decimal("0.01")
NOTE_KEY = "_aftersale_note"
TAGS_KEY = "_aftersale_tags"
RETURNS_KEY = "_aftersale_returns"
CANCEL_KEY = "_aftersale_cancel"
REFUND_KEY = "_aftersale_idempotency_key"
# Statuses meaning "shipped" (core's completed; AST's shipped/delivered custom statuses).
SHIPPED_STATUSES = {"completed", "shipped", "delivered"}
UNPAID_STATUSES = {"pending", "on-hold", "failed", "checkout-draft"}


def meta_of(resource: Mapping[str, Any]) -> dict[str, Any]:
    """`meta_data` as a dict (the first value of a repeated key wins)."""
    found: dict[str, Any] = {}
    for row in _records(resource.get("meta_data")):
        key = text(row.get("key"))
        if key and key not in found:
            found[key] = _decoded(row.get("value"))
    return found


def order_from_json(
    order: Mapping[str, Any], refunds: Sequence[Mapping[str, Any]] | None = None
) -> OrderInfo:
    """`refunds`: the detailed refunds; without them, refunded quantities stay 0."""
    order_id = text(order.get("id"))
    meta = meta_of(order)
    records = _refund_records(order, refunds)
    refunded_items = _refunded_items(records)
    items = tuple(_line_item(row, refunded_items) for row in _records(order.get("line_items")))
    everything = tuple(LineItemQuantity(i.id, i.quantity) for i in items)
    status = text(order.get("status")).lower()
    parcels = tuple(parcels_from_meta(meta, order_id=order_id, all_items=everything))
    shipped = _shipped(parcels, everything, status)
    items = tuple(_with_shipped(i, shipped.get(i.id, 0)) for i in items)
    total = money(order.get("total"))
    refunded = sum((r.amount for r in records), ZERO)
    billing = _mapping(order.get("billing"))
    number = parse_order_number(text(order.get("number"))) or parse_order_number(order_id)
    cancel = _mapping(meta.get(CANCEL_KEY))
    return OrderInfo(
        id=order_id,
        name=f"#{number}" if number is not None else "",
        number=number,
        currency=text(order.get("currency")).upper(),
        financial_status=_financial(order, status, total, refunded),
        fulfillment_status=_fulfillment(items),
        total_price=total,
        email=text(billing.get("email")),
        phone=text(billing.get("phone")) or text(_mapping(order.get("shipping")).get("phone")),
        customer_id=_customer_id(order.get("customer_id")),
        customer_name=_name(billing),
        subtotal_price=sum((money(r.get("subtotal")) for r in _line_rows(order)), ZERO),
        total_shipping=money(order.get("shipping_total")),
        total_refunded=refunded,
        created_at=when(order.get("date_created_gmt")),
        updated_at=when(order.get("date_modified_gmt")),
        cancelled_at=_cancelled_at(status, cancel, order),
        cancel_reason=text(cancel.get("reason")) if status == "cancelled" else "",
        line_items=items,
        fulfillments=parcels,
        refunds=records,
        shipping_address=address_from_json(order.get("shipping"), fallback=billing),
        tags=tuple(text(t) for t in _list(meta.get(TAGS_KEY)) if text(t)),
        note=text(meta.get(NOTE_KEY)),
    )


def address_from_json(value: object, *, fallback: Mapping[str, Any]) -> Address | None:
    row = _mapping(value)
    if not text(row.get("address_1")) and not text(row.get("city")):
        return None
    return Address(
        name=_name(row),
        address1=text(row.get("address_1")),
        address2=text(row.get("address_2")),
        city=text(row.get("city")),
        province=text(row.get("state")),
        zip=text(row.get("postcode")),
        country=text(row.get("country")),
        country_code=text(row.get("country")).upper(),
        phone=text(row.get("phone")) or text(fallback.get("phone")),
    )


def address_to_json(address: Address) -> dict[str, str]:
    first, _, last = address.name.partition(" ")
    row = {
        "address_1": address.address1,
        "address_2": address.address2,
        "city": address.city,
        "state": address.province,
        "postcode": address.zip,
        "country": (address.country_code or address.country).upper(),
    }
    if address.name:
        row.update(first_name=first, last_name=last)
    if address.phone:
        row["phone"] = address.phone
    return row


# ---------------------------------------------------------------- items, parcels, refunds


def _line_rows(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return _records(order.get("line_items"))


def _line_item(row: Mapping[str, Any], refunded: Mapping[str, int]) -> LineItem:
    quantity = _count(row.get("quantity"))
    line_id = text(row.get("id"))
    subtotal = money(row.get("subtotal"))
    price = (subtotal / quantity).quantize(CENT, ROUND_HALF_UP) if quantity else ZERO
    variation = text(row.get("variation_id"))
    return LineItem(
        id=line_id,
        title=text(row.get("name")),
        quantity=quantity,
        price=price,
        variant_title=_variant_title(row),
        sku=text(row.get("sku")),
        product_id=text(row.get("product_id")),
        variant_id="" if variation in ("", "0") else variation,
        refunded_quantity=min(quantity, refunded.get(line_id, 0)),
    )


def _with_shipped(item: LineItem, shipped: int) -> LineItem:
    return replace(item, fulfilled_quantity=min(item.quantity, shipped))


def _variant_title(row: Mapping[str, Any]) -> str:
    """The attribute values of a variation (`pa_size: M`), as the admin shows them."""
    values = [
        text(m.get("display_value") or m.get("value"))
        for m in _records(row.get("meta_data"))
        if not text(m.get("key")).startswith("_")
    ]
    return " / ".join(v for v in values if v)


def _shipped(
    parcels: tuple[Any, ...], everything: tuple[LineItemQuantity, ...], status: str
) -> dict[str, int]:
    shipped: dict[str, int] = {}
    for parcel in parcels:
        for item in parcel.line_items:
            shipped[item.line_item_id] = shipped.get(item.line_item_id, 0) + item.quantity
    if not parcels and status in SHIPPED_STATUSES:
        shipped = {i.line_item_id: i.quantity for i in everything}
    return shipped


def _refund_records(
    order: Mapping[str, Any], details: Sequence[Mapping[str, Any]] | None
) -> tuple[RefundRecord, ...]:
    if details is None:
        details = [
            {
                "id": r.get("id"),
                "amount": text(r.get("total")).lstrip("-"),
                "reason": r.get("reason"),
            }
            for r in _records(order.get("refunds"))
        ]
    records = [
        RefundRecord(
            id=text(r.get("id")),
            amount=abs(money(r.get("amount"))),
            created_at=when(r.get("date_created_gmt")),
            note=text(r.get("reason")),
            line_items=_refund_lines(r),
        )
        for r in details
    ]
    return tuple(sorted(records, key=lambda r: (r.created_at or _EPOCH, _int(r.id))))


def _refund_lines(refund: Mapping[str, Any]) -> tuple[LineItemQuantity, ...]:
    found = []
    for row in _records(refund.get("line_items")):
        original = text(meta_of(row).get("_refunded_item_id"))
        quantity = abs(_signed(row.get("quantity")))
        if original and quantity:
            found.append(LineItemQuantity(original, quantity))
    return tuple(found)


def _refunded_items(records: tuple[RefundRecord, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        for item in record.line_items:
            counts[item.line_item_id] = counts.get(item.line_item_id, 0) + item.quantity
    return counts


# ---------------------------------------------------------------- statuses


def _financial(order: Mapping[str, Any], status: str, total: Decimal, refunded: Decimal) -> str:
    if refunded > 0:
        return "refunded" if refunded >= total else "partially_refunded"
    if status == "refunded":
        return "refunded"
    paid = bool(text(order.get("date_paid_gmt"))) or status in ("processing", *SHIPPED_STATUSES)
    if status == "cancelled":
        return "paid" if paid else "voided"
    if status in UNPAID_STATUSES and not paid:
        return "pending"
    return "paid"


def _fulfillment(items: tuple[LineItem, ...]) -> str:
    shipped = sum(i.fulfilled_quantity for i in items)
    if not shipped:
        return "unfulfilled"
    return "fulfilled" if shipped >= sum(i.quantity for i in items) else "partially_fulfilled"


def _cancelled_at(
    status: str, cancel: Mapping[str, Any], order: Mapping[str, Any]
) -> datetime | None:
    if status != "cancelled":
        return None
    # Our own record of when; a merchant's cancellation falls back to the last change.
    return when(cancel.get("at")) or when(order.get("date_modified_gmt"))


# ---------------------------------------------------------------- catalogue


def product_from_json(
    product: Mapping[str, Any], variations: list[Mapping[str, Any]], *, currency: str
) -> Product:
    rows = variations if text(product.get("type")) == "variable" else [product]
    variants = tuple(
        ProductVariant(
            id=text(v.get("id")),
            title=_variation_title(v) if v is not product else "Default",
            price=money(v.get("price")),
            available=_in_stock(v),
            inventory_quantity=_stock(v),
            sku=text(v.get("sku")),
        )
        for v in rows
    )
    return Product(
        id=text(product.get("id")),
        title=text(product.get("name")),
        currency=currency,
        variants=variants,
        handle=text(product.get("slug")),
        url=text(product.get("permalink")),
        description=_plain(text(product.get("short_description") or product.get("description"))),
        product_type=", ".join(text(c.get("name")) for c in _records(product.get("categories"))),
        tags=tuple(
            text(t.get("name")) for t in _records(product.get("tags")) if text(t.get("name"))
        ),
    )


def _variation_title(variation: Mapping[str, Any]) -> str:
    options = [text(a.get("option")) for a in _records(variation.get("attributes"))]
    return " / ".join(o for o in options if o)


def _in_stock(row: Mapping[str, Any]) -> bool:
    if text(row.get("stock_status")) not in ("", "instock", "onbackorder"):
        return False
    stock = _stock(row)
    return stock is None or stock > 0 or text(row.get("stock_status")) == "onbackorder"


def _stock(row: Mapping[str, Any]) -> int | None:
    if not row.get("manage_stock") or row.get("stock_quantity") is None:
        return None
    return _signed(row.get("stock_quantity"))


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()[:2000]


# ---------------------------------------------------------------- tolerant readers

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def text(value: object) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def money(value: object) -> Decimal:
    try:
        amount = Decimal(text(value) or "0")
    except InvalidOperation:
        return ZERO
    return amount.quantize(CENT, ROUND_HALF_UP) if amount.is_finite() else ZERO


def when(value: object) -> datetime | None:
    """WooCommerce's `*_gmt` fields: ISO 8601 without an offset, in UTC."""
    raw = text(value)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _int(value: object) -> int:
    try:
        return int(text(value))
    except ValueError:
        return 0


def _signed(value: object) -> int:
    try:
        return int(Decimal(text(value) or "0"))
    except (InvalidOperation, ValueError):
        return 0


def _count(value: object) -> int:
    return max(0, _signed(value))


def _customer_id(value: object) -> str:
    found = text(value)
    return "" if found in ("", "0") else found  # 0: a guest order


def _name(row: Mapping[str, Any]) -> str:
    return " ".join(p for p in (text(row.get("first_name")), text(row.get("last_name"))) if p)


def _decoded(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    value = _decoded(value)
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    value = _decoded(value)
    return value if isinstance(value, list) else []


def _records(value: object) -> list[Mapping[str, Any]]:
    return [row for row in _list(value) if isinstance(row, Mapping)]
