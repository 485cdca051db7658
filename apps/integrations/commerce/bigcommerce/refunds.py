"""Refunds through Orders V3: a quote first, then the refund, one at a time per order.

BigCommerce refunds have no idempotency key and must not run concurrently on one order,
so each runs under a per-order lock held across every worker, and carries a reference
derived from our idempotency key in its `reason`: a retry (a lost answer, a redelivered
task) finds the refund it already made instead of making another. Only an online
refund method is used: when the order's gateway can only record an offline refund, no
money would move, so we refuse rather than mark the order refunded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.core.locks import LockTimeout, named_lock
from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
    RefundResult,
    TransientCommerceError,
)
from apps.integrations.commerce.bigcommerce import notes
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.orders import OrderReader, order_number

GATEWAY_CANNOT_REFUND = "gateway_cannot_refund"
_LOCK_LEASE = 60.0
_LOCK_WAIT = 20.0


def refund(
    reader: OrderReader,
    client: BigCommerceClient,
    *,
    order_id: str,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    idempotency_key: str,
) -> RefundResult:
    number = order_number(order_id)
    if number is None:
        raise OrderNotFound(order_id)
    try:
        with named_lock(
            f"bigcommerce:refund:{reader.store.pk}:{number}", timeout=_LOCK_LEASE, wait=_LOCK_WAIT
        ):
            return _refund_locked(
                reader, client, number, amount, line_items, reason, idempotency_key
            )
    except LockTimeout as exc:
        raise TransientCommerceError("another refund of this order is still running") from exc


def _refund_locked(
    reader: OrderReader,
    client: BigCommerceClient,
    number: int,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    key: str,
) -> RefundResult:
    order = reader.fetch(number)
    if order is None:
        raise OrderNotFound(str(number))
    marker = f"[ref {notes.reference(key)}]"
    done = next((r for r in order.refunds if marker in r.note), None)
    if done is not None:
        return RefundResult(done.id, done.amount, order.currency, {"replayed": True})
    items = _items(order, amount, line_items)
    quote = client.post(f"v3/orders/{number}/payment_actions/refund_quotes", {"items": items}) or {}
    data = quote.get("data") or {}
    total = Decimal(str(data.get("total_refund_amount") or "0")).quantize(Decimal("0.01"))
    payments = _online_payments(data, total)
    body = {
        "items": items,
        "payments": payments,
        "reason": f"{reason.strip()[:200]} {marker}".strip(),
    }
    created = client.post(f"v3/orders/{number}/payment_actions/refunds", body) or {}
    record = created.get("data") or {}
    reader.fetch(number)
    evidence = {"refund": record.get("id"), "payments": [p["provider_id"] for p in payments]}
    return RefundResult(str(record.get("id", "")), total, order.currency, evidence)


def _items(
    order: OrderInfo, amount: Decimal | None, line_items: list[LineItemQuantity] | None
) -> list[dict[str, Any]]:
    if line_items:
        by_id = {i.id: i for i in order.line_items}
        items = []
        for wanted in line_items:
            item = by_id.get(wanted.line_item_id)
            if item is None or wanted.quantity <= 0 or wanted.quantity > item.refundable_quantity:
                raise PlatformRejected("those items cannot be refunded", code="invalid_items")
            items.append(
                {"item_type": "PRODUCT", "item_id": int(item.id), "quantity": wanted.quantity}
            )
        return items
    if amount is None or amount <= 0:
        raise PlatformRejected("a refund needs a positive amount", code="invalid_amount")
    if amount > order.refundable_amount:
        raise PlatformRejected("more than is left to refund", code="above_refundable")
    return [{"item_type": "ORDER", "item_id": int(order.id), "amount": float(amount)}]


def _online_payments(quote: dict[str, Any], total: Decimal) -> list[dict[str, Any]]:
    """The first refund method whose payments all go back through the gateway."""
    for method in quote.get("refund_methods") or []:
        payments = [p for p in method if isinstance(p, dict)]
        if payments and not any(p.get("offline") for p in payments):
            paid = sum((Decimal(str(p.get("amount") or 0)) for p in payments), Decimal("0"))
            if paid.quantize(Decimal("0.01")) == total:
                return [
                    {"provider_id": p["provider_id"], "amount": p["amount"], "offline": False}
                    for p in payments
                ]
    raise PlatformRejected(
        "the store's payment gateway cannot refund this order online; the merchant must "
        "refund it themselves",
        code=GATEWAY_CANNOT_REFUND,
    )
