"""Order changes: cancel, shipping address, notes and tags, return requests.

Each change holds the order's lock (refunds.order_lock) across read-check-write, and
records what it did in `_aftersale_*` order meta, so a retried call with the same key
finds its own earlier work. WooCommerce itself refuses none of these by order state;
the rules a platform would keep (nothing shipped, not already cancelled) are ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.utils import timezone

from apps.core.locks import LockTimeout
from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
    ReturnResult,
    TransientCommerceError,
)
from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.integrations.commerce.woocommerce.mapping import (
    CANCEL_KEY,
    NOTE_KEY,
    RETURNS_KEY,
    TAGS_KEY,
    address_to_json,
    meta_of,
    text,
)
from apps.integrations.commerce.woocommerce.refunds import order_lock, refund_in_lock, validate_key

# Statuses in which nothing has left the warehouse yet.
OPEN_STATUSES = frozenset({"pending", "processing", "on-hold"})
NOTE_MAX = 2000
T = TypeVar("T")


def _locked(
    client: WooClient, reads: OrderReads, order_id: str, work: Callable[[dict[str, Any]], T]
) -> T:
    try:
        with order_lock(client, order_id):
            raw = reads.raw(order_id)
            if raw is None:
                raise OrderNotFound(order_id)
            return work(raw)
    except LockTimeout:
        raise TransientCommerceError(f"order {order_id} is being changed; try again") from None


def _put(client: WooClient, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    data = client.request("PUT", f"orders/{order_id}", json=body).data
    if not isinstance(data, dict):
        raise PlatformRejected("WooCommerce did not return the order", code="no_order")
    return data


def order_note_add(
    client: WooClient, order_id: str, note: str, *, customer_visible: bool = False
) -> None:
    """An order note: internal (the merchant's team only) or customer-visible, which
    WooCommerce also emails to the customer."""
    body = {"note": note[:NOTE_MAX], "customer_note": customer_visible}
    client.request("POST", f"orders/{order_id}/notes", json=body)


def _shipped_or_closed(order: OrderInfo, status: str) -> str:
    if status == "cancelled":
        return "the order is already cancelled"
    if status not in OPEN_STATUSES or order.fulfillments:
        return "the order has already shipped"
    if any(i.fulfilled_quantity for i in order.line_items):
        return "part of the order has already shipped"
    return ""


# ---------------------------------------------------------------- cancel


def cancel(
    client: WooClient,
    reads: OrderReads,
    *,
    order_id: str,
    reason: str,
    refund: bool,
    idempotency_key: str,
    notify_customer: bool,
) -> CancelResult:
    """Cancel an order nothing of which has shipped, refunding what was paid when asked.

    WooCommerce puts the stock back itself when an order becomes cancelled. Idempotent
    per key; a second cancel with another key is PlatformRejected."""
    validate_key(idempotency_key)

    def work(raw: dict[str, Any]) -> CancelResult:
        status = text(raw.get("status")).lower()
        earlier = meta_of(raw).get(CANCEL_KEY)
        if (
            status == "cancelled"
            and isinstance(earlier, dict)
            and earlier.get("key") == idempotency_key
        ):
            return CancelResult(order_id, bool(earlier.get("refunded")), {"replayed": True})
        order = reads.info(raw)
        problem = _shipped_or_closed(order, status)
        if problem:
            raise PlatformRejected(f"Cannot cancel: {problem}.", code="not_cancellable")
        refunded = False
        if refund and order.financial_status != "pending" and order.refundable_amount > 0:
            refund_in_lock(
                client,
                reads,
                raw,
                amount=order.refundable_amount,
                line_items=None,
                reason=f"Order cancelled: {reason}"[:200],
                idempotency_key=f"{idempotency_key}:refund",
            )
            refunded = True
        record = {
            "key": idempotency_key,
            "reason": reason[:200],
            "refunded": refunded,
            "at": timezone.now().isoformat(),
        }
        _put(client, order_id, {"status": "cancelled", "meta_data": [_meta(CANCEL_KEY, record)]})
        order_note_add(
            client, order_id, f"Cancelled by Aftersale at the customer's request: {reason}"
        )
        if notify_customer:
            order_note_add(
                client, order_id, "Your order has been cancelled.", customer_visible=True
            )
        return CancelResult(order_id, refunded, {"platform": "woocommerce", "replayed": False})

    return _locked(client, reads, order_id, work)


# ---------------------------------------------------------------- shipping address


def update_shipping_address(
    client: WooClient, reads: OrderReads, *, order_id: str, address: Address, idempotency_key: str
) -> OrderInfo:
    """Change where an order that has not shipped goes. Setting the same address twice is
    harmless, so a retry needs no record of its own."""
    validate_key(idempotency_key)
    if not (address.address1.strip() and address.city.strip() and address.country_code.strip()):
        raise PlatformRejected(
            "An address needs a street, a city and a country.", code="incomplete_address"
        )

    def work(raw: dict[str, Any]) -> OrderInfo:
        problem = _shipped_or_closed(reads.info(raw), text(raw.get("status")).lower())
        if problem:
            raise PlatformRejected(f"Cannot change the address: {problem}.", code="shipped")
        # Fields left out keep their value (the recipient's name, unless given).
        body = address_to_json(address)
        updated = _put(client, order_id, {"shipping": body})
        order_note_add(
            client, order_id, "Shipping address changed by Aftersale at the customer's request."
        )
        return reads.info(updated)

    return _locked(client, reads, order_id, work)


# ---------------------------------------------------------------- notes and tags


def add_note(
    client: WooClient, reads: OrderReads, *, order_id: str, note: str, tags: list[str]
) -> None:
    """Append to our note and tags (kept in order meta; WooCommerce orders have no tags)
    and log the note in the order's internal notes for the merchant's team."""

    def work(raw: dict[str, Any]) -> None:
        meta = meta_of(raw)
        held = text(meta.get(NOTE_KEY))
        merged_tags = _merged(meta.get(TAGS_KEY), tags)
        updates = []
        if note.strip():
            joined = f"{held}\n{note.strip()}" if held else note.strip()
            updates.append(_meta(NOTE_KEY, joined[-20_000:]))
        if merged_tags != meta.get(TAGS_KEY):
            updates.append(_meta(TAGS_KEY, merged_tags))
        if updates:
            _put(client, order_id, {"meta_data": updates})
        if note.strip():
            order_note_add(client, order_id, note.strip())

    _locked(client, reads, order_id, work)


def _merged(held: object, tags: list[str]) -> list[str]:
    found: dict[str, str] = {}
    for tag in [*(held if isinstance(held, list) else []), *tags]:
        value = text(tag)[:40]
        if value and value.lower() not in found:
            found[value.lower()] = value
    return list(found.values())


# ---------------------------------------------------------------- returns


def create_return(
    client: WooClient,
    reads: OrderReads,
    *,
    order_id: str,
    line_items: list[LineItemQuantity],
    reason: str,
    idempotency_key: str,
) -> ReturnResult:
    """A return request for shipped items (WooCommerce core has no returns: it is kept in
    order meta and an internal note tells the merchant). Idempotent per key."""
    validate_key(idempotency_key)

    def work(raw: dict[str, Any]) -> ReturnResult:
        held = meta_of(raw).get(RETURNS_KEY)
        requests = [r for r in held if isinstance(r, dict)] if isinstance(held, list) else []
        for request in requests:
            if request.get("key") == idempotency_key:
                return ReturnResult(text(request.get("id")), "requested", {"replayed": True})
        order = reads.info(raw)
        _check_returnable(order, line_items, requests)
        return_id = f"{order_id}-r{len(requests) + 1}"
        record = {
            "id": return_id,
            "key": idempotency_key,
            "status": "requested",
            "reason": reason[:500],
            "items": [{"id": i.line_item_id, "quantity": i.quantity} for i in line_items],
            "at": timezone.now().isoformat(),
        }
        _put(client, order_id, {"meta_data": [_meta(RETURNS_KEY, [*requests, record])]})
        titles = {i.id: i.title for i in order.line_items}
        listed = ", ".join(f"{i.quantity} x {titles[i.line_item_id]}" for i in line_items)
        order_note_add(client, order_id, f"Return requested through Aftersale: {listed}. {reason}")
        return ReturnResult(return_id, "requested", {"platform": "woocommerce"})

    return _locked(client, reads, order_id, work)


def _check_returnable(
    order: OrderInfo, wanted: list[LineItemQuantity], earlier: list[dict[str, Any]]
) -> None:
    if not wanted:
        raise PlatformRejected("Name the items to return.", code="no_items")
    returned: dict[str, int] = {}
    for held in earlier:
        for row in held.get("items") or []:
            if isinstance(row, dict):
                key = text(row.get("id"))
                returned[key] = returned.get(key, 0) + int(row.get("quantity") or 0)
    items = {i.id: i for i in order.line_items}
    for request in wanted:
        item = items.get(request.line_item_id)
        if item is None:
            raise PlatformRejected("No such item on the order.", code="unknown_line_item")
        left = item.fulfilled_quantity - returned.get(item.id, 0)
        if request.quantity <= 0 or request.quantity > left:
            raise PlatformRejected(
                f"{item.title}: {max(left, 0)} shipped and not yet returned.", code="quantity"
            )


def _meta(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": value}
