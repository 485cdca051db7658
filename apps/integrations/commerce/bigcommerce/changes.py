"""Changes to an order: cancel (a status change), the shipping address, notes and tags,
return requests (recorded in the staff notes: BigCommerce has no returns API)."""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    CommerceError,
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PlatformRejected,
    ReturnResult,
)
from apps.integrations.commerce.bigcommerce import mapping, notes, refunds
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient, NotFound
from apps.integrations.commerce.bigcommerce.orders import OrderReader, order_number


class OrderChanges:
    def __init__(self, reader: OrderReader, client: BigCommerceClient) -> None:
        self.reader = reader
        self.client = client

    def _fresh(self, order_id: str) -> tuple[int, OrderInfo]:
        number = order_number(order_id)
        order = self.reader.fetch(number) if number is not None else None
        if number is None or order is None:
            raise OrderNotFound(order_id)
        return number, order

    def cancel(
        self, *, order_id: str, reason: str, refund: bool, idempotency_key: str
    ) -> CancelResult:
        number, order = self._fresh(order_id)
        if order.is_cancelled:
            raise PlatformRejected("the order is already cancelled", code="already_cancelled")
        if any(i.fulfilled_quantity for i in order.line_items) or order.fulfillments:
            raise PlatformRejected("part of the order has shipped", code="already_shipped")
        refunded = False
        if refund and order.refundable_amount > Decimal("0"):
            refunds.refund(
                self.reader,
                self.client,
                order_id=order.id,
                amount=order.refundable_amount,
                line_items=None,
                reason=f"Order cancelled: {reason}",
                idempotency_key=f"{idempotency_key}:refund",
            )
            refunded = True
        staff_notes = self._staff_notes(number)
        note = f"Cancelled at the customer's request ({reason.strip()[:200]})."
        body = {
            "status_id": mapping.CANCELLED,
            "staff_notes": notes.with_note_and_tags(staff_notes, note, []),
        }
        try:
            self.client.put(f"v2/orders/{number}", body)
        except PlatformRejected as exc:
            if not refunded:
                raise
            # The refund went through: this is no longer a clean refusal.
            raise CommerceError(f"refunded, but the status change was refused: {exc}") from exc
        self.reader.fetch(number)
        return CancelResult(order.id, refunded, {"status_id": mapping.CANCELLED})

    def update_address(self, *, order_id: str, address: Address) -> OrderInfo:
        number, order = self._fresh(order_id)
        if order.is_cancelled or any(i.fulfilled_quantity for i in order.line_items):
            raise PlatformRejected("the order has shipped or is cancelled", code="not_editable")
        if not (address.address1 and address.city and address.zip and address.country_code):
            raise PlatformRejected("the address is incomplete", code="incomplete_address")
        rows = self.client.get(f"v2/orders/{number}/shipping_addresses") or []
        if not rows:
            raise PlatformRejected("the order has no shipping address", code="not_editable")
        first, _, last = (address.name or "").partition(" ")
        body = {
            "street_1": address.address1[:255],
            "street_2": address.address2[:255],
            "city": address.city[:100],
            "state": address.province[:100],
            "zip": address.zip[:20],
            "country_iso2": address.country_code[:2].upper(),
        }
        if address.country:
            body["country"] = address.country[:100]
        if first:
            body |= {"first_name": first[:100], "last_name": last[:100]}
        self.client.put(f"v2/orders/{number}/shipping_addresses/{rows[0]['id']}", body)
        updated = self.reader.fetch(number)
        if updated is None:
            raise OrderNotFound(order_id)
        return updated

    def add_note(self, *, order_id: str, note: str, tags: list[str]) -> None:
        number = order_number(order_id)
        if number is None:
            raise OrderNotFound(order_id)
        text = notes.with_note_and_tags(self._staff_notes(number), note[:2000], tags[:20])
        if len(text) > notes.MAX_NOTES:
            raise PlatformRejected("the order's notes are full", code="notes_full")
        self.client.put(f"v2/orders/{number}", {"staff_notes": text})
        self.reader.fetch(number)

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult:
        number, order = self._fresh(order_id)
        staff_notes = self._staff_notes(number)
        recorded = notes.returns(staff_notes)
        return_id = f"R-{notes.reference(idempotency_key)}"
        if return_id in recorded:
            return ReturnResult(return_id, "requested", {"replayed": True})
        wanted = self._returnable(order, line_items, recorded)
        line = notes.return_line(return_id, wanted, reason)
        self.client.put(
            f"v2/orders/{number}", {"staff_notes": notes.with_note_and_tags(staff_notes, line, [])}
        )
        self.reader.fetch(number)
        return ReturnResult(return_id, "requested", {"items": wanted})

    def _returnable(
        self,
        order: OrderInfo,
        line_items: list[LineItemQuantity],
        recorded: dict[str, dict[str, int]],
    ) -> dict[str, int]:
        if not line_items:
            raise PlatformRejected("no items to return", code="invalid_items")
        by_id = {i.id: i for i in order.line_items}
        wanted: dict[str, int] = {}
        for item in line_items:
            wanted[item.line_item_id] = wanted.get(item.line_item_id, 0) + item.quantity
        for line_id, quantity in wanted.items():
            found = by_id.get(line_id)
            returned = sum(r.get(line_id, 0) for r in recorded.values())
            if found is None or quantity <= 0 or quantity > found.fulfilled_quantity - returned:
                raise PlatformRejected("those items cannot be returned", code="not_returnable")
        return wanted

    def _staff_notes(self, number: int) -> str:
        try:
            row = self.client.get(f"v2/orders/{number}")
        except NotFound:
            raise OrderNotFound(str(number)) from None
        return str((row or {}).get("staff_notes") or "")
