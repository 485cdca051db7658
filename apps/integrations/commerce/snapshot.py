"""The local `Order` snapshot <-> the protocol's `OrderInfo`, both ways.

Rows are written by webhooks, backfills and the demo seed, so any JSON value may be
missing, of the wrong type, or a JSON string instead of a list. Reading never raises: a
bad value becomes the empty value, and a missing quantity becomes 0 (nothing refundable
or returnable) rather than a guess. The JSON shapes are in `apps.orders.models`; besides
those, fulfillments may carry `latest_event`, `latest_event_at` and a `tracking` list
(several parcels), and refunds may carry the `idempotency_key` that created them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.integrations.commerce.base import (
    Address,
    Fulfillment,
    LineItem,
    LineItemQuantity,
    OrderInfo,
    PaymentReference,
    RefundRecord,
    Tracking,
    parse_order_number,
)
from apps.orders.models import FinancialStatus, FulfillmentStatus, Order

ZERO = Decimal("0")
_ADDRESS_FIELDS = (
    "name",
    "address1",
    "address2",
    "city",
    "province",
    "zip",
    "country",
    "country_code",
    "phone",
)
# Spellings other sources use for our fulfillment statuses (Shopify REST: null, "partial").
_FULFILLMENT_ALIASES = {"": "unfulfilled", "null": "unfulfilled", "partial": "partially_fulfilled"}

# ---------------------------------------------------------------- tolerant readers


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str | int | float | Decimal):
        return str(value).strip()
    return ""


def _money(value: object, default: Decimal = ZERO) -> Decimal:
    if isinstance(value, Mapping):  # {"amount": "1.00", "currencyCode": "USD"}
        value = value.get("amount")
    if value is None or isinstance(value, bool):
        return default
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return default
    return amount if amount.is_finite() else default


def _count(value: object) -> int:
    if isinstance(value, bool):
        return 0
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return 0
    if not number.is_finite() or number != number.to_integral_value():
        return 0
    return max(0, int(number))


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        moment: datetime | None = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = parse_datetime(value.strip())
        except ValueError:  # well-formed but impossible, e.g. month 13
            return None
    else:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _decoded(value: object) -> object:
    """A JSON column that holds a JSON *string* (double-encoded) is read through."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _records(value: object) -> list[Mapping[str, Any]]:
    value = _decoded(value)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        decoded = _decoded(value) if value.lstrip().startswith("[") else None
        # Shopify REST sends tags as one "a, b" string.
        value = decoded if isinstance(decoded, list) else value.split(",")
    if not isinstance(value, list | tuple):
        return ()
    seen: dict[str, str] = {}
    for item in value:
        tag = _text(item)
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return tuple(seen.values())


def _quantities(value: object) -> tuple[LineItemQuantity, ...]:
    found = []
    for row in _records(value):
        line_id = _text(row.get("id") or row.get("line_item_id"))
        quantity = _count(row.get("quantity"))
        if line_id and quantity:
            found.append(LineItemQuantity(line_item_id=line_id, quantity=quantity))
    return tuple(found)


def _status(value: object, allowed: Iterable[str], aliases: Mapping[str, str]) -> str:
    key = _text(value).lower().replace(" ", "_").replace("-", "_")
    key = aliases.get(key, key)
    return key if key in allowed else "unknown"


# ---------------------------------------------------------------- JSON -> typed


def address_from_json(value: object) -> Address | None:
    value = _decoded(value)
    if not isinstance(value, Mapping):
        return None
    address = Address(**{name: _text(value.get(name)) for name in _ADDRESS_FIELDS})
    return address if any(getattr(address, name) for name in _ADDRESS_FIELDS) else None


def line_item_from_json(row: Mapping[str, Any]) -> LineItem:
    return LineItem(
        id=_text(row.get("id")),
        title=_text(row.get("title")),
        quantity=_count(row.get("quantity")),
        price=_money(row.get("price")),
        variant_title=_text(row.get("variant_title")),
        sku=_text(row.get("sku")),
        product_id=_text(row.get("product_id")),
        variant_id=_text(row.get("variant_id")),
        fulfilled_quantity=_count(row.get("fulfilled_quantity")),
        refunded_quantity=_count(row.get("refunded_quantity")),
        tags=_tags(row.get("tags")),
    )


def _tracking(row: Mapping[str, Any]) -> tuple[Tracking, ...]:
    parcels = [
        Tracking(
            number=_text(p.get("number")), company=_text(p.get("company")), url=_text(p.get("url"))
        )
        for p in _records(row.get("tracking"))
    ]
    if not parcels:
        parcels = [
            Tracking(
                number=_text(row.get("tracking_number")),
                company=_text(row.get("tracking_company")),
                url=_text(row.get("tracking_url")),
            )
        ]
    return tuple(p for p in parcels if p.number or p.url)


def fulfillment_from_json(row: Mapping[str, Any]) -> Fulfillment:
    return Fulfillment(
        id=_text(row.get("id")),
        status=_text(row.get("status")).lower(),
        shipment_status=_text(row.get("shipment_status")).lower(),
        tracking=_tracking(row),
        created_at=_when(row.get("created_at")),
        updated_at=_when(row.get("updated_at")),
        estimated_delivery_at=_when(row.get("estimated_delivery_at")),
        delivered_at=_when(row.get("delivered_at")),
        latest_event=_text(row.get("latest_event")),
        latest_event_at=_when(row.get("latest_event_at")),
        line_items=_quantities(row.get("line_items")),
    )


def refund_from_json(row: Mapping[str, Any]) -> RefundRecord:
    return RefundRecord(
        id=_text(row.get("id")),
        amount=_money(row.get("amount")),
        created_at=_when(row.get("created_at")),
        note=_text(row.get("note")),
        line_items=_quantities(row.get("line_items")),
    )


def order_to_info(order: Order) -> OrderInfo:
    """The typed, provider-neutral view of a snapshot row. Never raises on bad JSON."""
    number = _count(order.number) or parse_order_number(_text(order.name))
    return OrderInfo(
        id=_text(order.platform_order_id),
        name=_text(order.name) or (f"#{number}" if number is not None else ""),
        number=number,
        currency=_text(order.currency).upper(),
        financial_status=_status(order.financial_status, FinancialStatus.values, {}),
        fulfillment_status=_status(
            order.fulfillment_status, FulfillmentStatus.values, _FULFILLMENT_ALIASES
        ),
        total_price=_money(order.total_price),
        email=_text(order.email),
        phone=_text(order.phone),
        customer_id=_text(order.customer_platform_id),
        customer_name=_text(order.customer_name),
        subtotal_price=_money(order.subtotal_price),
        total_shipping=_money(order.total_shipping),
        total_refunded=_money(order.total_refunded),
        created_at=_when(order.platform_created_at),
        updated_at=_when(order.platform_updated_at),
        cancelled_at=_when(order.cancelled_at),
        cancel_reason=_text(order.cancel_reason),
        line_items=tuple(line_item_from_json(r) for r in _records(order.line_items)),
        fulfillments=tuple(fulfillment_from_json(r) for r in _records(order.fulfillments)),
        refunds=tuple(refund_from_json(r) for r in _records(order.refunds)),
        shipping_address=address_from_json(order.shipping_address),
        tags=_tags(order.tags),
        note=order.note if isinstance(order.note, str) else "",
        status_url=_text(order.status_url),
        payments=tuple(payment_from_json(r) for r in _records(order.payment_references)),
    )


def payment_from_json(row: Mapping[str, Any]) -> PaymentReference:
    return PaymentReference(
        gateway=_text(row.get("gateway")),
        reference=_text(row.get("reference")),
        source=_text(row.get("source")),
    )


# ---------------------------------------------------------------- typed -> JSON


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _quantities_json(items: Iterable[LineItemQuantity]) -> list[dict[str, Any]]:
    return [{"id": i.line_item_id, "quantity": i.quantity} for i in items]


def address_to_json(address: Address | None) -> dict[str, str] | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in _ADDRESS_FIELDS}


def line_item_to_json(item: LineItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "product_id": item.product_id,
        "variant_id": item.variant_id,
        "title": item.title,
        "variant_title": item.variant_title,
        "sku": item.sku,
        "quantity": item.quantity,
        "price": str(item.price),
        "fulfilled_quantity": item.fulfilled_quantity,
        "refunded_quantity": item.refunded_quantity,
        "tags": list(item.tags),
    }


def fulfillment_to_json(fulfillment: Fulfillment) -> dict[str, Any]:
    first = fulfillment.tracking[0] if fulfillment.tracking else Tracking()
    row: dict[str, Any] = {
        "id": fulfillment.id,
        "status": fulfillment.status,
        "shipment_status": fulfillment.shipment_status,
        "tracking_company": first.company,
        "tracking_number": first.number,
        "tracking_url": first.url,
        "created_at": _iso(fulfillment.created_at),
        "updated_at": _iso(fulfillment.updated_at),
        "estimated_delivery_at": _iso(fulfillment.estimated_delivery_at),
        "delivered_at": _iso(fulfillment.delivered_at),
        "latest_event": fulfillment.latest_event,
        "latest_event_at": _iso(fulfillment.latest_event_at),
        "line_items": _quantities_json(fulfillment.line_items),
    }
    if len(fulfillment.tracking) > 1:
        row["tracking"] = [
            {"number": t.number, "company": t.company, "url": t.url} for t in fulfillment.tracking
        ]
    return row


def refund_to_json(refund: RefundRecord, *, currency: str) -> dict[str, Any]:
    return {
        "id": refund.id,
        "amount": str(refund.amount),
        "currency": currency,
        "created_at": _iso(refund.created_at),
        "note": refund.note,
        "line_items": _quantities_json(refund.line_items),
    }


def info_to_order_fields(info: OrderInfo) -> dict[str, Any]:
    """`Order` field values for this OrderInfo (everything but `store`)."""
    return {
        "platform_order_id": info.id,
        "name": info.name,
        "number": info.number,
        "customer_platform_id": info.customer_id,
        "email": info.email,
        "phone": info.phone,
        "customer_name": info.customer_name,
        "financial_status": info.financial_status,
        "fulfillment_status": info.fulfillment_status,
        "cancelled_at": info.cancelled_at,
        "cancel_reason": info.cancel_reason,
        "currency": info.currency,
        "subtotal_price": info.subtotal_price,
        "total_shipping": info.total_shipping,
        "total_price": info.total_price,
        "total_refunded": info.total_refunded,
        "line_items": [line_item_to_json(i) for i in info.line_items],
        "fulfillments": [fulfillment_to_json(f) for f in info.fulfillments],
        "refunds": [refund_to_json(r, currency=info.currency) for r in info.refunds],
        "shipping_address": address_to_json(info.shipping_address),
        "tags": list(info.tags),
        "note": info.note,
        "status_url": info.status_url,
        "payment_references": [
            {"gateway": p.gateway, "reference": p.reference, "source": p.source}
            for p in info.payments
        ],
        "platform_created_at": info.created_at,
        "platform_updated_at": info.updated_at,
    }
