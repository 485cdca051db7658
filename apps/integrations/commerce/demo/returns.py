"""Returns on the demo platform: only shipped items, never more than are left to return."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction

from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderInfo,
    PlatformRejected,
    ReturnResult,
)
from apps.integrations.commerce.demo.common import (
    clip,
    locked_order,
    quantities_json,
    requested_quantities,
    require_key,
)
from apps.integrations.commerce.snapshot import order_to_info
from apps.integrations.models import ACTIVE_RETURN_STATUSES, DemoReturn, DemoReturnStatus
from apps.orders.models import Order
from apps.stores.models import Store


def create_return(
    store: Store,
    *,
    order_id: str,
    line_items: list[LineItemQuantity],
    reason: str,
    idempotency_key: str,
) -> ReturnResult:
    """Open a return for shipped items of the order. Idempotent by key.

    Raises OrderNotFound, PlatformRejected (cancelled order, unknown or unshipped items,
    more than can still be returned, key reused) and ValueError (no key).
    """
    key = require_key(idempotency_key)
    wanted = requested_quantities(line_items)
    if not wanted:
        raise PlatformRejected("Choose at least one item to return.", code="invalid_line_item")
    with transaction.atomic():
        order = locked_order(store, order_id)
        existing = DemoReturn.objects.filter(store=store, idempotency_key=key).first()
        if existing is not None:
            return _replayed(existing, order, wanted)
        info = order_to_info(order)
        if info.is_cancelled:
            raise PlatformRejected("The order is cancelled.", code="cancelled")
        _check_returnable(info, wanted, _already_returned(order))
        try:
            with transaction.atomic():
                created = DemoReturn.objects.create(
                    store=store,
                    order=order,
                    platform_id=f"demo-return-{info.number or order.pk}-{_next_number(order)}",
                    status=DemoReturnStatus.OPEN,
                    reason=clip(reason),
                    line_items=quantities_json(wanted),
                    idempotency_key=key,
                )
        except IntegrityError as exc:  # the same key, at the same moment, on another order
            raise PlatformRejected(
                "This idempotency key was already used.", code="idempotency_key_mismatch"
            ) from exc
    return _result(created, order, replayed=False)


def _already_returned(order: Order) -> Counter[str]:
    returned: Counter[str] = Counter()
    for row in DemoReturn.objects.filter(order=order, status__in=ACTIVE_RETURN_STATUSES):
        for item in row.line_items if isinstance(row.line_items, list) else []:
            if isinstance(item, dict):
                returned[str(item.get("id"))] += int(item.get("quantity") or 0)
    return returned


def _shipped_quantities(info: OrderInfo) -> Counter[str]:
    """Per line item, what left the warehouse (line counters or the parcels, whichever is more)."""
    shipped: Counter[str] = Counter()
    for fulfillment in info.fulfillments:
        if fulfillment.status in ("cancelled", "failure", "error"):
            continue
        for part in fulfillment.line_items:
            shipped[part.line_item_id] += part.quantity
    for item in info.line_items:
        shipped[item.id] = min(item.quantity, max(shipped[item.id], item.fulfilled_quantity))
    return shipped


def _check_returnable(info: OrderInfo, wanted: dict[str, int], returned: Counter[str]) -> None:
    lines = {item.id: item for item in info.line_items}
    shipped = _shipped_quantities(info)
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise PlatformRejected(
                f"Line item {line_id} is not on this order.",
                code="invalid_line_item",
                field="line_items",
            )
        if not shipped[line_id]:
            raise PlatformRejected(
                f"{line.title} has not been shipped yet.", code="not_fulfilled", field="line_items"
            )
        # Refunded items are settled; returned ones are already on their way back.
        left = shipped[line_id] - line.refunded_quantity - returned[line_id]
        if quantity > left:
            raise PlatformRejected(
                f"Only {max(0, left)} x {line.title} can still be returned.",
                code="quantity_exceeds_returnable",
                field="line_items",
            )


def _next_number(order: Order) -> int:
    return DemoReturn.objects.filter(order=order).count() + 1


def _replayed(existing: DemoReturn, order: Order, wanted: dict[str, int]) -> ReturnResult:
    recorded = {str(i.get("id")): i.get("quantity") for i in existing.line_items}
    if existing.order_id != order.pk or recorded != wanted:
        raise PlatformRejected(
            "This idempotency key was already used for a different return.",
            code="idempotency_key_mismatch",
        )
    return _result(existing, order, replayed=True)


def _result(row: DemoReturn, order: Order, *, replayed: bool) -> ReturnResult:
    evidence: dict[str, Any] = {
        "platform": "demo",
        "order_id": order.platform_order_id,
        "return_id": row.platform_id,
        "status": str(row.status),
        "line_items": row.line_items,
        "reason": row.reason,
        "replayed": replayed,
    }
    return ReturnResult(return_id=row.platform_id, status=str(row.status), evidence=evidence)
