"""Refunds on the demo platform.

Like a real payment platform: never more than is refundable, items are worth what was
paid for them, and one idempotency key moves money once; a retry gets the original
refund back. The key is kept on the refund record inside the order row, and the row is
locked while it is checked and written, so concurrent retries cannot both refund.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderInfo,
    PlatformRejected,
    RefundResult,
)
from apps.integrations.commerce.demo.common import (
    clip,
    json_list,
    locked_order,
    quantities_json,
    requested_quantities,
    require_key,
    save_order,
)
from apps.integrations.commerce.snapshot import line_item_to_json, order_to_info, refund_to_json
from apps.orders.models import Order
from apps.stores.models import Store

CENT = Decimal("0.01")
# Money was taken, so some may go back (a fully refunded order has nothing left).
_CAPTURED = frozenset({"paid", "partially_paid", "partially_refunded", "refunded"})


def refund_order(
    store: Store,
    *,
    order_id: str,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    idempotency_key: str,
    notify_customer: bool,
) -> RefundResult:
    """Refund an amount or items (see `CommerceProvider.refund`). Idempotent by key.

    Raises OrderNotFound, PlatformRejected (nothing captured, above refundable, bad items,
    key reused for another request) and ValueError (no key).
    """
    key = require_key(idempotency_key)
    requested = _valid_amount(amount)
    wanted = requested_quantities(line_items)
    if requested is None and not wanted:
        raise PlatformRejected("Give an amount or the items to refund.", code="nothing_to_refund")
    with transaction.atomic():
        order = locked_order(store, order_id)
        info = order_to_info(order)
        previous = _refund_with_key(order, key)
        if previous is not None:
            return _replayed(info, previous, requested, wanted)
        return apply_refund(
            order,
            info,
            amount=requested,
            wanted=wanted,
            reason=reason,
            key=key,
            notify=notify_customer,
            now=timezone.now(),
        )


def has_captured(info: OrderInfo) -> bool:
    return info.financial_status in _CAPTURED


def apply_refund(
    order: Order,
    info: OrderInfo,
    *,
    amount: Decimal | None,
    wanted: dict[str, int],
    reason: str,
    key: str,
    notify: bool,
    now: datetime,
) -> RefundResult:
    """Write one refund on a locked order. `amount` None = what the items are worth."""
    money = _amount_to_refund(info, amount, wanted)
    refunds = json_list(order.refunds) or [
        refund_to_json(r, currency=info.currency) for r in info.refunds
    ]
    record = {
        "id": f"demo-refund-{info.number or order.pk}-{len(refunds) + 1}",
        "amount": str(money),
        "currency": info.currency,
        "created_at": now.isoformat(),
        "note": clip(reason),
        "line_items": quantities_json(wanted),
        "idempotency_key": key,
        "notify_customer": notify,
    }
    total = info.total_refunded + money
    order.refunds = [*refunds, record]
    order.line_items = [
        line_item_to_json(
            replace(li, refunded_quantity=li.refunded_quantity + wanted.get(li.id, 0))
        )
        for li in info.line_items
    ]
    order.total_refunded = total
    order.financial_status = "refunded" if total >= info.total_price else "partially_refunded"
    save_order(order, ["refunds", "line_items", "total_refunded", "financial_status"], now)
    return _result(info, record, replayed=False, total=total, status=order.financial_status)


def _amount_to_refund(info: OrderInfo, amount: Decimal | None, wanted: dict[str, int]) -> Decimal:
    if not has_captured(info):
        raise PlatformRejected("No payment was captured on this order.", code="not_captured")
    value = _items_value(info, wanted)
    refundable = info.refundable_amount
    # Items are worth what was paid, capped by what is left after earlier partial refunds.
    money = min(value, refundable) if amount is None else amount
    if money <= 0:
        raise PlatformRejected(
            "Nothing is left to refund on this order.", code="exceeds_refundable"
        )
    if money > refundable:
        raise PlatformRejected(
            f"At most {refundable} {info.currency} can be refunded on this order.",
            code="exceeds_refundable",
            field="amount",
        )
    return money


def _valid_amount(amount: object) -> Decimal | None:
    if amount is None:
        return None
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise PlatformRejected(
            "The amount must be positive, in cents at most.", code="invalid_amount", field="amount"
        )
    return value.quantize(CENT)


def _items_value(info: OrderInfo, wanted: dict[str, int]) -> Decimal:
    lines = {item.id: item for item in info.line_items}
    value = Decimal("0.00")
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise PlatformRejected(
                f"Line item {line_id} is not on this order.",
                code="invalid_line_item",
                field="line_items",
            )
        if quantity > line.refundable_quantity:
            raise PlatformRejected(
                f"Only {line.refundable_quantity} x {line.title} can still be refunded.",
                code="quantity_exceeds_refundable",
                field="line_items",
            )
        value += line.price * quantity
    return value


def _refund_with_key(order: Order, key: str) -> dict[str, Any] | None:
    for record in json_list(order.refunds) or []:
        if isinstance(record, dict) and record.get("idempotency_key") == key:
            return record
    return None


def _replayed(
    info: OrderInfo, record: dict[str, Any], requested: Decimal | None, wanted: dict[str, int]
) -> RefundResult:
    """The refund this key already made, provided the retry asks for the same thing."""
    recorded = next((r for r in info.refunds if r.id == record.get("id")), None)
    items = {q.line_item_id: q.quantity for q in recorded.line_items} if recorded else {}
    if recorded is None or items != wanted or requested not in (None, recorded.amount):
        raise PlatformRejected(
            "This idempotency key was already used for a different refund.",
            code="idempotency_key_mismatch",
        )
    return _result(
        info, record, replayed=True, total=info.total_refunded, status=info.financial_status
    )


def _result(
    info: OrderInfo, record: dict[str, Any], *, replayed: bool, total: Decimal, status: str
) -> RefundResult:
    return RefundResult(
        refund_id=str(record["id"]),
        amount=Decimal(str(record["amount"])),
        currency=info.currency,
        evidence={
            "platform": "demo",
            "order_id": info.id,
            "refund_id": str(record["id"]),
            "amount": str(record["amount"]),
            "currency": info.currency,
            "line_items": record.get("line_items", []),
            "created_at": record.get("created_at"),
            "total_refunded": str(total),
            "financial_status": status,
            "replayed": replayed,
        },
    )
