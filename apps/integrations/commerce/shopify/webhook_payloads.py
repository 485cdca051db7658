"""Shopify's REST-shaped order and refund webhook payloads -> the provider-neutral snapshot.

The payload gets a schema at the boundary (pydantic, unknown keys ignored, Shopify's many
nulls tolerated); only the validated model is mapped. Ids become Admin GraphQL gids, the
ids every other Shopify call of ours uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from itertools import zip_longest
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apps.integrations.commerce.shopify.ids import gid
from apps.orders.models import FinancialStatus, FulfillmentStatus

ZERO = Decimal("0")


class InvalidShopifyPayload(ValueError):
    """The payload does not have the shape of the topic's resource; retrying won't help."""


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Money(_Schema):
    amount: Decimal = ZERO
    currency_code: str | None = None


class MoneySet(_Schema):
    shop_money: Money = Money()


class Address(_Schema):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Customer(_Schema):
    id: int | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class LineItem(_Schema):
    id: int
    product_id: int | None = None
    variant_id: int | None = None
    title: str | None = None
    name: str | None = None
    variant_title: str | None = None
    sku: str | None = None
    quantity: int = 0
    price: Decimal = ZERO


class ItemQuantity(_Schema):
    id: int
    quantity: int = 0


class Fulfillment(_Schema):
    id: int
    status: str | None = None
    shipment_status: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_numbers: list[str] = Field(default_factory=list)
    tracking_url: str | None = None
    tracking_urls: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    line_items: list[ItemQuantity] = Field(default_factory=list)


class RefundLineItem(_Schema):
    line_item_id: int
    quantity: int = 0


class Transaction(_Schema):
    amount: Decimal = ZERO
    kind: str | None = None
    status: str | None = None
    currency: str | None = None


class Refund(_Schema):
    id: int
    order_id: int | None = None
    created_at: datetime | None = None
    note: str | None = None
    refund_line_items: list[RefundLineItem] = Field(default_factory=list)
    transactions: list[Transaction] = Field(default_factory=list)


class ShopifyOrder(_Schema):
    id: int
    name: str = ""
    order_number: int | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    customer: Customer | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    currency: str = "USD"
    subtotal_price: Decimal = ZERO
    total_price: Decimal = ZERO
    total_tax: Decimal = ZERO
    total_shipping_price_set: MoneySet | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    tags: str | None = None
    note: str | None = None
    order_status_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime


_S = TypeVar("_S", bound=_Schema)


def parse_order(payload: Mapping[str, Any]) -> ShopifyOrder:
    return _validate(ShopifyOrder, payload)


def parse_refund(payload: Mapping[str, Any]) -> Refund:
    refund = _validate(Refund, payload)
    if refund.order_id is None:
        raise InvalidShopifyPayload("refund without order_id")
    return refund


def _validate(schema: type[_S], payload: Mapping[str, Any]) -> _S:
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        # Locations and reasons only: the input values may be customer data.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors(include_input=False)[:5]
        )
        raise InvalidShopifyPayload(f"{schema.__name__} payload: {problems}") from None


# ---------------------------------------------------------------- mapping

_FINANCIAL = {status.value: status.value for status in FinancialStatus}
_FULFILLMENT = {
    None: FulfillmentStatus.UNFULFILLED,
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "restocked": FulfillmentStatus.RESTOCKED,
    "on_hold": FulfillmentStatus.ON_HOLD,
}
# Fulfillments that did not (or no longer) ship anything.
_VOID_FULFILLMENTS = {"cancelled", "error", "failure"}


def _clip(value: str | None, length: int) -> str:
    return (value or "").strip()[:length]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def refund_snapshot(refund: Refund, currency: str) -> dict[str, Any]:
    """One entry of Order.refunds: the money actually returned (successful refund
    transactions) and the refunded quantities per line item."""
    amount = sum(
        (
            t.amount
            for t in refund.transactions
            if t.kind == "refund" and (t.status or "success") == "success"
        ),
        ZERO,
    )
    currencies = {t.currency for t in refund.transactions if t.currency}
    return {
        "id": gid("Refund", refund.id),
        "amount": str(amount),
        "currency": currencies.pop() if len(currencies) == 1 else currency,
        "created_at": _iso(refund.created_at),
        "note": refund.note or "",
        "line_items": [
            {"id": gid("LineItem", item.line_item_id), "quantity": item.quantity}
            for item in refund.refund_line_items
        ],
    }


def _line_items(order: ShopifyOrder) -> list[dict[str, Any]]:
    fulfilled: dict[int, int] = defaultdict(int)
    for fulfillment in order.fulfillments:
        if (fulfillment.status or "") not in _VOID_FULFILLMENTS:
            for item in fulfillment.line_items:
                fulfilled[item.id] += item.quantity
    return [
        {
            "id": gid("LineItem", item.id),
            "product_id": gid("Product", item.product_id),
            "variant_id": gid("ProductVariant", item.variant_id),
            "title": item.title or item.name or "",
            "variant_title": item.variant_title or "",
            "sku": item.sku or "",
            "quantity": item.quantity,
            "price": str(item.price),
            "fulfilled_quantity": min(item.quantity, fulfilled.get(item.id, 0)),
            "refunded_quantity": 0,
            "tags": [],
        }
        for item in order.line_items
    ]


def _fulfillment(fulfillment: Fulfillment) -> dict[str, Any]:
    numbers = fulfillment.tracking_numbers or [n for n in [fulfillment.tracking_number] if n]
    urls = fulfillment.tracking_urls or [u for u in [fulfillment.tracking_url] if u]
    parcels = [
        {"number": number, "company": fulfillment.tracking_company or "", "url": url}
        for number, url in zip_longest(numbers, urls, fillvalue="")
    ]
    first = parcels[0] if parcels else {"number": "", "company": "", "url": ""}
    delivered = fulfillment.shipment_status == "delivered"
    row: dict[str, Any] = {
        "id": gid("Fulfillment", fulfillment.id),
        "status": fulfillment.status or "",
        "shipment_status": fulfillment.shipment_status or "",
        "tracking_company": fulfillment.tracking_company or "",
        "tracking_number": first["number"],
        "tracking_url": first["url"],
        "created_at": _iso(fulfillment.created_at),
        "updated_at": _iso(fulfillment.updated_at),
        "estimated_delivery_at": None,
        # The REST payload has no delivery timestamp; the last update of a fulfillment
        # whose carrier status is "delivered" is the closest we hold.
        "delivered_at": _iso(fulfillment.updated_at) if delivered else None,
        # Tracking events are not part of the webhook payload.
        "latest_event": "",
        "latest_event_at": None,
        "line_items": [
            {"id": gid("LineItem", item.id), "quantity": item.quantity}
            for item in fulfillment.line_items
        ],
    }
    if len(parcels) > 1:  # several parcels: all of them, as the snapshot shape has it
        row["tracking"] = parcels
    return row


def _address(address: Address | None) -> dict[str, str] | None:
    if address is None:
        return None
    name = address.name or " ".join(p for p in (address.first_name, address.last_name) if p)
    return {
        "name": name,
        "address1": address.address1 or "",
        "address2": address.address2 or "",
        "city": address.city or "",
        "province": address.province or "",
        "zip": address.zip or "",
        "country": address.country or "",
        "country_code": address.country_code or "",
        "phone": address.phone or "",
    }


def _customer_name(order: ShopifyOrder) -> str:
    customer = order.customer
    if customer and (customer.first_name or customer.last_name):
        return " ".join(p for p in (customer.first_name, customer.last_name) if p)
    for address in (order.billing_address, order.shipping_address):
        if address is not None and (mapped := _address(address)) and mapped["name"]:
            return mapped["name"]
    return ""


def snapshot_fields(order: ShopifyOrder) -> dict[str, Any]:
    """The Order model's fields (store and refund merge aside) for this payload."""
    customer = order.customer or Customer()
    shipping = (
        order.total_shipping_price_set.shop_money.amount if order.total_shipping_price_set else ZERO
    )
    refunds = [refund_snapshot(r, order.currency) for r in order.refunds]
    return {
        "platform_order_id": gid("Order", order.id),
        "name": _clip(order.name, 64) or f"#{order.order_number or order.id}",
        "number": order.order_number,
        "customer_platform_id": gid("Customer", customer.id),
        "email": _clip(order.email or order.contact_email or customer.email, 254),
        "phone": _clip(order.phone or customer.phone, 32),
        "customer_name": _clip(_customer_name(order), 200),
        "financial_status": _FINANCIAL.get(order.financial_status or "", FinancialStatus.UNKNOWN),
        "fulfillment_status": _FULFILLMENT.get(order.fulfillment_status, FulfillmentStatus.UNKNOWN),
        "cancelled_at": order.cancelled_at,
        "cancel_reason": _clip(order.cancel_reason, 40),
        "closed_at": order.closed_at,
        "currency": _clip(order.currency, 3).upper() or "USD",
        "subtotal_price": order.subtotal_price,
        "total_shipping": shipping,
        "total_tax": order.total_tax,
        "total_price": order.total_price,
        "line_items": _line_items(order),
        "fulfillments": [_fulfillment(f) for f in order.fulfillments],
        "refunds": refunds,
        "shipping_address": _address(order.shipping_address),
        "billing_address": _address(order.billing_address),
        "tags": [t.strip() for t in (order.tags or "").split(",") if t.strip()],
        "note": order.note or "",
        "status_url": _clip(order.order_status_url, 500),
        "platform_created_at": order.created_at,
        "platform_updated_at": order.updated_at,
    }
