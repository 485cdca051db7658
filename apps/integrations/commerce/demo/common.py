"""What the demo platform's writes share: the locked order row, input checks, events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
)
from apps.integrations.models import DemoOrderEvent
from apps.orders.models import Order
from apps.stores.models import Store

MAX_KEY_LENGTH = 255
MAX_REASON_LENGTH = 500
# A carrier or warehouse that gave up on a parcel leaves the order unshipped.
_INACTIVE_FULFILLMENT = frozenset({"cancelled", "failure", "error"})


def locked_order(store: Store, order_id: str) -> Order:
    """The store's order, locked until the transaction ends. Call inside `atomic()`."""
    order = (
        Order.objects.select_for_update()
        .filter(store=store, platform_order_id=str(order_id or "").strip())
        .first()
    )
    if order is None:
        raise OrderNotFound("No such order in this store.")
    return order


def require_key(idempotency_key: str) -> str:
    """Our callers always derive a key from their action record; a missing one is a bug."""
    key = (idempotency_key or "").strip()
    if not key:
        raise ValueError("an idempotency key is required")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"idempotency keys are at most {MAX_KEY_LENGTH} characters")
    return key


def requested_quantities(items: Iterable[LineItemQuantity] | None) -> dict[str, int]:
    """line item id -> quantity, the same id given twice counting once per mention."""
    wanted: dict[str, int] = {}
    for item in items or ():
        line_id = str(item.line_item_id or "").strip()
        if not line_id:
            raise PlatformRejected("A line item id is missing.", code="invalid_line_item")
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            raise PlatformRejected("Quantities must be whole numbers.", code="invalid_quantity")
        if item.quantity < 1:
            raise PlatformRejected("Quantities must be at least 1.", code="invalid_quantity")
        wanted[line_id] = wanted.get(line_id, 0) + item.quantity
    return wanted


def quantities_json(wanted: dict[str, int]) -> list[dict[str, Any]]:
    return [{"id": line_id, "quantity": quantity} for line_id, quantity in wanted.items()]


def has_shipped(info: OrderInfo) -> bool:
    """Has any part of the order left (or started to leave) the warehouse?"""
    if info.fulfillment_status != "unfulfilled":
        return True
    if any(item.fulfilled_quantity for item in info.line_items):
        return True
    return any(f.status not in _INACTIVE_FULFILLMENT for f in info.fulfillments)


def clip(text: str, limit: int = MAX_REASON_LENGTH) -> str:
    return " ".join(str(text or "").split())[:limit]


def json_list(value: object) -> list[Any] | None:
    """The column's list to append to, or None when the stored value is not a list."""
    return list(value) if isinstance(value, list) else None


def save_order(order: Order, fields: list[str], now: datetime) -> None:
    order.platform_updated_at = now
    order.save(update_fields=[*fields, "platform_updated_at", "synced_at"])


def keyed_event(store: Store, key: str) -> DemoOrderEvent | None:
    return DemoOrderEvent.objects.filter(store=store, idempotency_key=key).first()


def check_replay(event: DemoOrderEvent, order: Order, kind: str) -> None:
    """A key belongs to one change of one order; reusing it for another is refused."""
    if event.order_id != order.pk or event.kind != kind:
        raise PlatformRejected(
            "This idempotency key was already used for a different request.",
            code="idempotency_key_mismatch",
        )


def record_event(order: Order, kind: str, payload: dict[str, Any], key: str = "") -> None:
    DemoOrderEvent.objects.create(
        store_id=order.store_id, order=order, kind=kind, idempotency_key=key, payload=payload
    )
