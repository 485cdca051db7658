"""Order changes on the demo platform: cancel, shipping address, notes and tags.

Each runs in one transaction on the locked order row. Cancel and address changes are
keyed: the key is recorded on an order event, so a retry after a lost answer gets the
original outcome instead of "already cancelled".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    OrderInfo,
    PlatformRejected,
)
from apps.integrations.commerce.demo.common import (
    check_replay,
    clip,
    has_shipped,
    keyed_event,
    locked_order,
    record_event,
    require_key,
    save_order,
)
from apps.integrations.commerce.demo.refunds import apply_refund, has_captured
from apps.integrations.commerce.snapshot import address_to_json, order_to_info
from apps.integrations.models import DemoOrderEventKind, DemoVariant
from apps.orders.models import Order
from apps.stores.models import Store

# The platform's cancel reasons; free text from a caller is kept on the order event.
CANCEL_REASONS = frozenset({"customer", "declined", "fraud", "inventory", "staff", "other"})
MAX_NOTE_LENGTH = 5000
MAX_TAG_LENGTH = 40
MAX_TAGS = 250
_ADDRESS_LIMIT = 255


def cancel_order(
    store: Store,
    *,
    order_id: str,
    reason: str,
    refund: bool,
    restock: bool,
    idempotency_key: str,
    notify_customer: bool,
) -> CancelResult:
    """Cancel an order nothing of which has shipped; optionally refund all and restock.

    Raises OrderNotFound, PlatformRejected (already cancelled, shipped, key reused) and
    ValueError (no key). Idempotent by key.
    """
    key = require_key(idempotency_key)
    with transaction.atomic():
        order = locked_order(store, order_id)
        event = keyed_event(store, key)
        if event is not None:
            check_replay(event, order, DemoOrderEventKind.CANCELLED)
            return CancelResult(
                order_id=order.platform_order_id,
                refunded=bool(event.payload.get("refunded")),
                evidence={**event.payload, "replayed": True},
            )
        info = order_to_info(order)
        _check_cancellable(info)
        now = timezone.now()
        refund_id = _refund_all(order, info, reason, key, notify_customer, now) if refund else ""
        if restock:
            _restock(store, info)
        _mark_cancelled(order, reason, now)
        payload = {
            "platform": "demo",
            "order_id": order.platform_order_id,
            "cancelled_at": now.isoformat(),
            "reason": clip(reason),
            "refunded": bool(refund_id),
            "refund_id": refund_id,
            "restocked": restock,
            "notify_customer": notify_customer,
        }
        record_event(order, DemoOrderEventKind.CANCELLED, payload, key)
    return CancelResult(
        order_id=order.platform_order_id,
        refunded=bool(refund_id),
        evidence={**payload, "replayed": False},
    )


def _refund_all(
    order: Order, info: OrderInfo, reason: str, key: str, notify: bool, now: datetime
) -> str:
    """Refund everything still refundable, shipping included; "" when nothing was taken."""
    if not has_captured(info) or info.refundable_amount <= 0:
        return ""
    wanted = {li.id: li.refundable_quantity for li in info.line_items if li.refundable_quantity}
    result = apply_refund(
        order,
        info,
        amount=info.refundable_amount,
        wanted=wanted,
        reason=f"Order cancelled: {clip(reason, 200)}",
        key=f"{key}:refund",
        notify=notify,
        now=now,
    )
    return result.refund_id


def _mark_cancelled(order: Order, reason: str, now: datetime) -> None:
    code = (reason or "").strip().lower()
    order.cancelled_at = now
    order.closed_at = now
    order.cancel_reason = code if code in CANCEL_REASONS else "other"
    fields = ["cancelled_at", "closed_at", "cancel_reason"]
    if order.financial_status in ("pending", "authorized"):
        order.financial_status = "voided"  # nothing was captured: the hold is released
        fields.append("financial_status")
    save_order(order, fields, now)


def _check_cancellable(info: OrderInfo) -> None:
    if info.is_cancelled:
        raise PlatformRejected("The order is already cancelled.", code="already_cancelled")
    if has_shipped(info):
        raise PlatformRejected(
            "The order has already been fulfilled, at least in part.", code="already_fulfilled"
        )


def _restock(store: Store, info: OrderInfo) -> None:
    for item in info.line_items:
        quantity = item.quantity - item.fulfilled_quantity
        if item.variant_id and quantity > 0:
            DemoVariant.objects.filter(
                store=store, platform_id=item.variant_id, track_inventory=True
            ).update(inventory_quantity=F("inventory_quantity") + quantity)


def update_shipping_address(
    store: Store, *, order_id: str, address: Address, idempotency_key: str
) -> OrderInfo:
    """Replace the shipping address of an order nothing of which has shipped.

    A blank name or phone keeps the one on the order. Raises OrderNotFound,
    PlatformRejected (cancelled, shipped, incomplete address, key reused), ValueError (no
    key). Idempotent by key: a retry returns the order without re-applying.
    """
    key = require_key(idempotency_key)
    new = _clean_address(address)
    with transaction.atomic():
        order = locked_order(store, order_id)
        event = keyed_event(store, key)
        if event is not None:
            check_replay(event, order, DemoOrderEventKind.ADDRESS_UPDATED)
            return order_to_info(order)
        info = order_to_info(order)
        if info.is_cancelled:
            raise PlatformRejected("The order is cancelled.", code="cancelled")
        if has_shipped(info):
            raise PlatformRejected(
                "The order has already been fulfilled, at least in part.",
                code="already_fulfilled",
            )
        old = info.shipping_address or Address()
        new = replace(new, name=new.name or old.name, phone=new.phone or old.phone)
        order.shipping_address = address_to_json(new)
        save_order(order, ["shipping_address"], timezone.now())
        payload = {
            "previous": address_to_json(info.shipping_address),
            "new": order.shipping_address,
        }
        record_event(order, DemoOrderEventKind.ADDRESS_UPDATED, payload, key)
        return order_to_info(order)


def _clean_address(address: Address) -> Address:
    values = {name: " ".join(str(value or "").split()) for name, value in vars(address).items()}
    for name, value in values.items():
        if len(value) > _ADDRESS_LIMIT:
            raise PlatformRejected(f"The {name} is too long.", code="invalid_address", field=name)
    for name in ("address1", "city"):
        if not values[name]:
            raise PlatformRejected(f"The {name} is required.", code="invalid_address", field=name)
    if not (values["country"] or values["country_code"]):
        raise PlatformRejected("The country is required.", code="invalid_address", field="country")
    code = values["country_code"].upper()
    if code and (len(code) != 2 or not code.isalpha()):
        raise PlatformRejected(
            "The country code must be two letters.", code="invalid_address", field="country_code"
        )
    return Address(**{**values, "country_code": code})


def add_note(store: Store, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
    """Append a note line and add tags that are not there yet; never removes anything.

    Nothing to add is a no-op. Raises OrderNotFound, PlatformRejected (too long).
    """
    text = (note or "").strip()
    new_tags = _clean_tags(tags or [])
    if not text and not new_tags:
        return
    with transaction.atomic():
        order = locked_order(store, order_id)
        info = order_to_info(order)
        if text:
            order.note = f"{info.note.rstrip()}\n{text}" if info.note.strip() else text
            if len(order.note) > MAX_NOTE_LENGTH:
                raise PlatformRejected("The order note is full.", code="note_too_long")
        present = {t.lower() for t in info.tags}
        added = [t for t in new_tags if t.lower() not in present]
        if len(info.tags) + len(added) > MAX_TAGS:
            raise PlatformRejected("The order has too many tags.", code="too_many_tags")
        order.tags = [*info.tags, *added]
        save_order(order, ["note", "tags"], timezone.now())
        record_event(order, DemoOrderEventKind.NOTE_ADDED, {"note": text, "tags": added})


def _clean_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise PlatformRejected("The order has too many tags.", code="too_many_tags")
    cleaned: dict[str, str] = {}
    for tag in tags:
        # A comma would split the tag in two on platforms that store tags as one string.
        value = " ".join(str(tag or "").replace(",", " ").split())
        if len(value) > MAX_TAG_LENGTH:
            raise PlatformRejected("A tag is at most 40 characters.", code="tag_too_long")
        if value:
            cleaned.setdefault(value.lower(), value)
    return list(cleaned.values())
