"""Orders V3 refund quotes and refunds over a stand-in order, checked as BigCommerce does.

Items: PRODUCT (item_id = order product id, quantity), SHIPPING (item_id = order address id,
amount) and ORDER (item_id = order id, a custom amount). A quote lists the refund methods
(each a list of payments); a refund names its payments, which must cover exactly what the
items are worth. A gateway that cannot refund offers only an offline method, and an online
payment against it is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from standins.bigcommerce.state import OrderRec, RefundRec, StoreState

_REFUNDABLE_STATUSES = {2, 3, 4, 5, 9, 10, 11, 14}


class Refused(Exception):
    pass


def now() -> datetime:
    return datetime.now(tz=UTC)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Refused("amount must be a number") from None


def requested_amount(order: OrderRec, items: Any) -> Decimal:
    if order.status_id not in _REFUNDABLE_STATUSES:
        raise Refused("Order is not in a refundable state.")
    if not isinstance(items, list) or not items:
        raise Refused("items are required")
    total = Decimal("0")
    for item in items:
        total += _item_amount(order, item)
    if total <= 0:
        raise Refused("The refund amount must be greater than zero.")
    if total > order.total - order.refunded_amount:
        raise Refused("The refund amount exceeds the remaining refundable amount.")
    return total


def _item_amount(order: OrderRec, item: Any) -> Decimal:
    kind = item.get("item_type") if isinstance(item, dict) else None
    if kind == "PRODUCT":
        product = next((p for p in order.products if p.id == item.get("item_id")), None)
        quantity = item.get("quantity")
        if product is None:
            raise Refused("Order product not found.")
        if not isinstance(quantity, int) or quantity <= 0:
            raise Refused("quantity must be a positive integer")
        if quantity > product.quantity - product.quantity_refunded:
            raise Refused("Requested quantity exceeds the refundable quantity.")
        return product.price * quantity
    if kind in ("ORDER", "SHIPPING"):
        if kind == "ORDER" and item.get("item_id") != order.id:
            raise Refused("item_id must be the order id")
        amount = _decimal(item.get("amount"))
        if amount <= 0:
            raise Refused("amount must be greater than zero")
        return amount
    raise Refused("Unsupported item_type.")


def quote(order: OrderRec, amount: Decimal) -> dict[str, Any]:
    offline = {
        "provider_id": "custom",
        "provider_description": "Manual refund",
        "amount": float(amount),
        "offline": True,
        "offline_provider": True,
        "offline_reason": "Record a refund made outside BigCommerce",
    }
    methods = [[offline]]
    if order.gateway_refunds_online:
        online = {
            "provider_id": order.gateway,
            "provider_description": order.gateway.title(),
            "amount": float(amount),
            "offline": False,
            "offline_provider": False,
            "offline_reason": "",
        }
        methods.insert(0, [online])
    return {
        "order_id": order.id,
        "total_refund_amount": float(amount),
        "total_refund_tax_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "tax_inclusive": True,
        "refund_methods": methods,
    }


def create(state: StoreState, order: OrderRec, body: Any) -> RefundRec:
    items = body.get("items") if isinstance(body, dict) else None
    amount = requested_amount(order, items)
    payments = body.get("payments")
    if not isinstance(payments, list) or not payments:
        raise Refused("payments are required")
    paid = sum((_decimal(p.get("amount")) for p in payments if isinstance(p, dict)), Decimal("0"))
    if paid != amount:
        raise Refused("The payments do not add up to the refund amount.")
    for payment in payments:
        online = not payment.get("offline")
        if online and (
            payment.get("provider_id") != order.gateway or not order.gateway_refunds_online
        ):
            raise Refused("The payment provider does not support refunds for this order.")
    for item in items or []:
        if item.get("item_type") == "PRODUCT":
            product = next(p for p in order.products if p.id == item["item_id"])
            product.quantity_refunded += int(item["quantity"])
    record = RefundRec(
        id=state.new_id(),
        created=now(),
        reason=str(body.get("reason") or "")[:1000],
        total=amount,
        items=[dict(i) for i in items or []],
        payments=[
            {
                "id": state.new_id(),
                "provider_id": p.get("provider_id"),
                "amount": float(_decimal(p.get("amount"))),
                "offline": bool(p.get("offline")),
                "is_declined": False,
                "declined_message": "",
            }
            for p in payments
        ],
    )
    order.refunds.append(record)
    if order.status_id != 5:
        order.status_id = 4 if order.refunded_amount >= order.total else 14
    order.date_modified = now()
    return record
