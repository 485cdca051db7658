"""One shop's data as the stand-in keeps it, and its GraphQL Admin API objects.

Records hold what a shop stores; `*_node` functions turn them into the objects the API
shows (derived fields such as statuses, current quantities and money totals computed
from the records each time, as Shopify does), for graph.py to shape per query.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def iso(moment: datetime | None) -> str | None:
    """Shopify's DateTime: UTC, whole seconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def e164(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return f"+{digits}" if digits else ""


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": currency}}


@dataclass
class LineItemRec:
    id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    price: Decimal
    variant_id: str
    product_id: str
    product_tags: tuple[str, ...] = ()


@dataclass
class EventRec:
    id: str
    status: str  # FulfillmentEventStatus: IN_TRANSIT, DELIVERED, LABEL_PRINTED, ...
    message: str
    happened_at: datetime


@dataclass
class FulfillmentRec:
    id: str
    created_at: datetime
    updated_at: datetime
    tracking: list[tuple[str, str, str]]  # number, company, url
    lines: list[tuple[str, str, int]]  # fulfillment line item id, line item id, quantity
    events: list[EventRec] = field(default_factory=list)
    status: str = "SUCCESS"
    estimated_delivery_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass
class RefundRec:
    id: str
    created_at: datetime
    note: str
    amount: Decimal
    lines: list[tuple[str, str, int]]  # refund line item id, line item id, quantity
    idempotency_key: str = ""


@dataclass
class TransactionRec:
    """An OrderTransaction: `gateway` "shopify_payments" for Shopify's own payments;
    "stripe" for a Stripe checkout, whose PaymentIntent sits in `authorization_code` or in
    the gateway's raw receipt (`receipt`, served as the `receiptJson` string)."""

    id: str
    gateway: str
    kind: str  # OrderTransactionKind: SALE, AUTHORIZATION, CAPTURE, REFUND, VOID, ...
    status: str  # OrderTransactionStatus: SUCCESS, FAILURE, PENDING, ERROR, ...
    amount: Decimal
    authorization_code: str | None = None
    payment_id: str = ""
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReturnLineRec:
    id: str
    fulfillment_line_item_id: str
    quantity: int
    customer_note: str
    reason: str


@dataclass
class ReturnRec:
    id: str
    name: str
    status: str  # REQUESTED, OPEN, DECLINED, CANCELED, CLOSED
    lines: list[ReturnLineRec]


@dataclass
class OrderRec:
    id: str
    number: int
    email: str
    phone: str
    customer_id: str | None
    customer_name: str
    created_at: datetime
    updated_at: datetime
    line_items: list[LineItemRec]
    shipping_address: dict[str, Any] | None
    sale_transaction_id: str
    currency: str = "USD"
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    fulfillments: list[FulfillmentRec] = field(default_factory=list)
    refunds: list[RefundRec] = field(default_factory=list)
    returns: list[ReturnRec] = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    status_url: str = ""
    # Empty: one successful Shopify Payments SALE of the total (sale_transaction_id).
    transactions: list[TransactionRec] = field(default_factory=list)
    custom_attributes: list[tuple[str, str]] = field(default_factory=list)  # note attributes

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def subtotal(self) -> Decimal:
        return sum((i.price * i.quantity for i in self.line_items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds), ZERO)

    @property
    def refundable(self) -> Decimal:
        return max(ZERO, self.total - self.refunded)

    def refunded_quantity(self, line_id: str) -> int:
        return sum(q for r in self.refunds for _, lid, q in r.lines if lid == line_id)

    def fulfilled_quantity(self, line_id: str) -> int:
        return sum(q for f in self.fulfillments for _, lid, q in f.lines if lid == line_id)

    def line(self, line_id: str) -> LineItemRec | None:
        return next((i for i in self.line_items if i.id == line_id), None)

    def returned_quantity(self, fulfillment_line_item_id: str) -> int:
        return sum(
            line.quantity
            for ret in self.returns
            if ret.status not in ("DECLINED", "CANCELED")
            for line in ret.lines
            if line.fulfillment_line_item_id == fulfillment_line_item_id
        )


@dataclass
class VariantRec:
    id: str
    title: str
    sku: str
    price: Decimal
    inventory: int | None  # None: not tracked, always for sale


@dataclass
class ProductRec:
    id: str
    title: str
    handle: str
    product_type: str
    tags: list[str]
    description: str
    variants: list[VariantRec]
    vendor: str = ""
    status: str = "ACTIVE"


@dataclass
class CustomerRec:
    id: str
    name: str
    email: str
    phone: str


@dataclass
class PolicyRec:
    type: str  # REFUND_POLICY, SHIPPING_POLICY, PRIVACY_POLICY, TERMS_OF_SERVICE, ...
    title: str
    body: str  # HTML
    url: str


# ---------------------------------------------------------------- API objects


def _financial_status(order: OrderRec) -> str:
    refunded = order.refunded
    if refunded <= ZERO:
        return "PAID"
    return "REFUNDED" if refunded >= order.total else "PARTIALLY_REFUNDED"


def _fulfillment_status(order: OrderRec) -> str:
    wanted = sum(i.quantity - order.refunded_quantity(i.id) for i in order.line_items)
    shipped = sum(order.fulfilled_quantity(i.id) for i in order.line_items)
    if shipped == 0:
        return "UNFULFILLED"
    return "FULFILLED" if shipped >= wanted else "PARTIALLY_FULFILLED"


def line_item_node(order: OrderRec, item: LineItemRec) -> dict[str, Any]:
    current = max(0, item.quantity - order.refunded_quantity(item.id))
    return {
        "__typename": "LineItem",
        "id": item.id,
        "title": item.title,
        "variantTitle": item.variant_title,
        "sku": item.sku,
        "quantity": item.quantity,
        "currentQuantity": current,
        "unfulfilledQuantity": max(0, current - order.fulfilled_quantity(item.id)),
        "refundableQuantity": current,
        "originalUnitPriceSet": money(item.price, order.currency),
        "variant": {"id": item.variant_id},
        "product": {"id": item.product_id, "tags": list(item.product_tags)},
    }


def _part_line(kind: str, part_id: str, line_id: str, quantity: int) -> dict[str, Any]:
    return {"__typename": kind, "id": part_id, "quantity": quantity, "lineItem": {"id": line_id}}


def fulfillment_node(fulfillment: FulfillmentRec) -> dict[str, Any]:
    events = sorted(fulfillment.events, key=lambda e: e.happened_at)
    latest = events[-1].status if events else None
    return {
        "__typename": "Fulfillment",
        "id": fulfillment.id,
        "status": fulfillment.status,
        "displayStatus": latest or "FULFILLED",
        "createdAt": iso(fulfillment.created_at),
        "updatedAt": iso(fulfillment.updated_at),
        "deliveredAt": iso(fulfillment.delivered_at),
        "estimatedDeliveryAt": iso(fulfillment.estimated_delivery_at),
        "trackingInfo": [{"number": n, "company": c, "url": u} for n, c, u in fulfillment.tracking],
        "events": [
            {
                "__typename": "FulfillmentEvent",
                "id": e.id,
                "status": e.status,
                "message": e.message,
                "happenedAt": iso(e.happened_at),
            }
            for e in events
        ],
        "fulfillmentLineItems": [
            _part_line("FulfillmentLineItem", fid, lid, q) for fid, lid, q in fulfillment.lines
        ],
    }


def refund_node(order: OrderRec, refund: RefundRec) -> dict[str, Any]:
    return {
        "__typename": "Refund",
        "id": refund.id,
        "createdAt": iso(refund.created_at),
        "note": refund.note,
        "totalRefundedSet": money(refund.amount, order.currency),
        "refundLineItems": [
            _part_line("RefundLineItem", rid, lid, q) for rid, lid, q in refund.lines
        ],
    }


def transaction_nodes(order: OrderRec) -> list[dict[str, Any]]:
    held = order.transactions or [
        TransactionRec(
            order.sale_transaction_id, "shopify_payments", "SALE", "SUCCESS", order.total
        )
    ]
    return [
        {
            "__typename": "OrderTransaction",
            "id": t.id,
            "gateway": t.gateway,
            "kind": t.kind,
            "status": t.status,
            "authorizationCode": t.authorization_code,
            # Shopify's own id of the payment attempt (c<order number>.<attempt>).
            "paymentId": t.payment_id or f"c{order.id.rsplit('/', 1)[-1]}.1",
            "receiptJson": json.dumps(t.receipt),
            "amountSet": money(t.amount, order.currency),
        }
        for t in held
    ]


def return_node(ret: ReturnRec) -> dict[str, Any]:
    return {
        "__typename": "Return",
        "id": ret.id,
        "name": ret.name,
        "status": ret.status,
        "returnLineItems": [
            {
                "__typename": "ReturnLineItem",
                "id": line.id,
                "quantity": line.quantity,
                "customerNote": line.customer_note,
            }
            for line in ret.lines
        ],
    }


def order_node(order: OrderRec, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Order object with every field our documents read (graph.py picks per query)."""
    currency = order.currency
    node: dict[str, Any] = {
        "__typename": "Order",
        "id": order.id,
        "name": order.name,
        "email": order.email,
        "phone": order.phone or None,
        "createdAt": iso(order.created_at),
        "updatedAt": iso(order.updated_at),
        "cancelledAt": iso(order.cancelled_at),
        "cancelReason": order.cancel_reason,
        "closedAt": None,
        "displayFinancialStatus": _financial_status(order),
        "displayFulfillmentStatus": _fulfillment_status(order),
        "note": order.note,
        "tags": list(order.tags),
        "statusPageUrl": order.status_url,
        "currencyCode": currency,
        "customer": (
            {"id": order.customer_id, "displayName": order.customer_name}
            if order.customer_id
            else None
        ),
        "subtotalPriceSet": money(order.subtotal, currency),
        "totalShippingPriceSet": money(order.shipping, currency),
        "totalTaxSet": money(order.tax, currency),
        "totalPriceSet": money(order.total, currency),
        "totalRefundedSet": money(order.refunded, currency),
        "shippingAddress": dict(order.shipping_address) if order.shipping_address else None,
        "lineItems": [line_item_node(order, item) for item in order.line_items],
        "fulfillments": [fulfillment_node(f) for f in order.fulfillments],
        "refunds": [refund_node(order, r) for r in order.refunds],
        "returns": [return_node(r) for r in order.returns],
        "transactions": transaction_nodes(order),
        "customAttributes": [{"key": k, "value": v} for k, v in order.custom_attributes],
    }
    node.update(extra or {})
    return node


def product_node(product: ProductRec, currency: str, domain: str) -> dict[str, Any]:
    prices = [v.price for v in product.variants]
    return {
        "__typename": "Product",
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "onlineStoreUrl": f"https://{domain}/products/{product.handle}",
        "description": lambda args: _truncate(product.description, args.get("truncateAt")),
        "productType": product.product_type,
        "tags": list(product.tags),
        "priceRangeV2": {
            "minVariantPrice": {"amount": f"{min(prices):.2f}", "currencyCode": currency}
        },
        "variants": [
            {
                "__typename": "ProductVariant",
                "id": v.id,
                "title": v.title,
                "sku": v.sku,
                "price": f"{v.price:.2f}",
                "availableForSale": v.inventory is None or v.inventory > 0,
            }
            for v in product.variants
        ],
    }


def _truncate(text: str, limit: Any) -> str:
    if limit is None or len(text) <= int(limit):
        return text
    return text[: int(limit)].rstrip() + "…"
