"""The write side of the stand-in: refunds, cancellation, order updates, tags, returns.

Each mutation answers with its documented payload (the object, and `userErrors` /
`orderCancelUserErrors` with `field` paths and, where the type has one, a `code`), and
refuses what Shopify refuses with nothing changed. Where Shopify's exact message is not
documented the words here are ours; codes are always from the documented enums.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from standins.shopify.graph import GraphQLRequestError, Resolver
from standins.shopify.shop import Shop
from standins.shopify.state import (
    OrderRec,
    RefundRec,
    ReturnLineRec,
    ReturnRec,
    e164,
    refund_node,
)

COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany"}


def _error(path: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": path, "message": message}
    if code is not None:
        error["code"] = code
    return error


class Writes:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.refunds_by_key: dict[str, tuple[str, RefundRec]] = {}

    def resolvers(self) -> dict[str, Resolver]:
        return {
            "refundCreate": self.refund_create,
            "orderCancel": self.order_cancel,
            "orderUpdate": self.order_update,
            "tagsAdd": self.tags_add,
            "returnRequest": self.return_request,
        }

    # ------------------------------------------------------------ refunds

    def refund_create(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("@idempotent") or {}).get("key")
        if not key:
            # Mandatory since 2026-04 (reference §4.4).
            raise GraphQLRequestError(
                "The @idempotent directive is required for this mutation.", "BAD_REQUEST"
            )
        if key in self.refunds_by_key:  # the same key answers with the original refund
            order_id, earlier = self.refunds_by_key[key]
            return {"refund": refund_node(self.shop.orders[order_id], earlier), "userErrors": []}
        data = args.get("input") or {}
        order = self.shop.orders.get(str(data.get("orderId")))
        if order is None:
            return {"refund": None, "userErrors": [_error(["orderId"], "Order does not exist")]}
        errors, lines = self._refund_lines(order, data.get("refundLineItems") or [])
        amount, tx_errors = _transactions(order, data.get("transactions") or [])
        errors += tx_errors
        if not errors and not lines and amount <= 0:
            errors.append(_error(["transactions"], "Refund must have a line item or an amount"))
        if errors:
            return {"refund": None, "userErrors": errors}
        refund = RefundRec(
            id=self.shop.next_id("Refund"),
            created_at=self.shop.now(),
            note=str(data.get("note") or ""),
            amount=amount,
            lines=[(self.shop.next_id("RefundLineItem"), lid, q) for lid, q in lines],
            idempotency_key=key,
        )
        order.refunds.append(refund)
        self.refunds_by_key[key] = (order.id, refund)
        self.shop.touch(order)
        return {"refund": refund_node(order, refund), "userErrors": []}

    def _refund_lines(
        self, order: OrderRec, wanted: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
        errors, lines = [], []
        for n, row in enumerate(wanted):
            item = order.line(str(row.get("lineItemId")))
            quantity = int(row.get("quantity") or 0)
            path = ["refundLineItems", str(n)]
            if item is None:
                errors.append(_error([*path, "lineItemId"], "Line item does not exist"))
            elif quantity <= 0 or quantity > item.quantity - order.refunded_quantity(item.id):
                errors.append(
                    _error(
                        [*path, "quantity"],
                        "Quantity cannot refund more items than were purchased",
                    )
                )
            else:
                lines.append((item.id, quantity))
        return errors, lines

    # ------------------------------------------------------------ cancel

    def order_cancel(self, args: dict[str, Any]) -> dict[str, Any]:
        order = self.shop.orders.get(str(args.get("orderId")))
        refuse = None
        if order is None:
            refuse = _error(["orderId"], "Order does not exist", "NOT_FOUND")
        elif order.cancelled_at is not None:
            refuse = _error(["orderId"], "Order has already been cancelled", "INVALID")
        elif any(f.status == "SUCCESS" for f in order.fulfillments):
            refuse = _error(["orderId"], "Order has already been fulfilled", "INVALID")
        if refuse is not None or order is None:
            return {"job": None, "orderCancelUserErrors": [refuse]}
        order.cancelled_at = self.shop.now()
        order.cancel_reason = str(args.get("reason") or "OTHER")
        method = args.get("refundMethod") or {}
        if method.get("originalPaymentMethodsRefund") or args.get("refund"):
            self._refund_everything(order)
        self.shop.touch(order)
        job = self.shop.next_id("Job")
        self.shop.jobs[job] = False
        return {"job": {"id": job, "done": False}, "orderCancelUserErrors": []}

    def _refund_everything(self, order: OrderRec) -> None:
        lines = [
            (self.shop.next_id("RefundLineItem"), i.id, left)
            for i in order.line_items
            if (left := i.quantity - order.refunded_quantity(i.id)) > 0
        ]
        order.refunds.append(
            RefundRec(
                id=self.shop.next_id("Refund"),
                created_at=self.shop.now(),
                note="Order canceled",
                amount=order.refundable,
                lines=lines,
            )
        )

    # ------------------------------------------------------------ order update and tags

    def order_update(self, args: dict[str, Any]) -> dict[str, Any]:
        data = args.get("input") or {}
        order = self.shop.orders.get(str(data.get("id")))
        if order is None:
            return {"order": None, "userErrors": [_error(["id"], "Order does not exist")]}
        if "shippingAddress" in data:
            order.shipping_address = _address(data["shippingAddress"] or {})
        if "note" in data:
            order.note = data["note"]
        if "tags" in data:
            order.tags = list(data["tags"] or [])
        if "email" in data:
            order.email = str(data["email"] or "")
        self.shop.touch(order)
        return {"order": self.shop.order_node(order), "userErrors": []}

    def tags_add(self, args: dict[str, Any]) -> dict[str, Any]:
        order = self.shop.orders.get(str(args.get("id")))
        if order is None:
            return {"node": None, "userErrors": [_error(["id"], "Order does not exist")]}
        for tag in args.get("tags") or []:
            text = str(tag).strip()
            if text and all(t.lower() != text.lower() for t in order.tags):
                order.tags.append(text)
        self.shop.touch(order)
        return {"node": self.shop.order_node(order), "userErrors": []}

    # ------------------------------------------------------------ returns

    def return_request(self, args: dict[str, Any]) -> dict[str, Any]:
        data = args.get("input") or {}
        order = self.shop.orders.get(str(data.get("orderId")))
        if order is None:
            error = _error(["input", "orderId"], "Order does not exist", "NOT_FOUND")
            return {"return": None, "userErrors": [error]}
        rows = data.get("returnLineItems") or []
        errors = [] if rows else [_error(["input", "returnLineItems"], "can't be blank", "BLANK")]
        lines = []
        for n, row in enumerate(rows):
            error, line = self._return_line(order, n, row)
            if error:
                errors.append(error)
            elif line:
                lines.append(line)
        if errors:
            return {"return": None, "userErrors": errors}
        ret = ReturnRec(
            id=self.shop.next_id("Return"),
            name=f"{order.name}-R{len(order.returns) + 1}",
            status="REQUESTED",
            lines=lines,
        )
        order.returns.append(ret)
        self.shop.touch(order)
        return {"return": {"id": ret.id, "name": ret.name, "status": ret.status}, "userErrors": []}

    def _return_line(
        self, order: OrderRec, n: int, row: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, ReturnLineRec | None]:
        path = ["input", "returnLineItems", str(n)]
        fli = str(row.get("fulfillmentLineItemId"))
        shipped = {fid: q for f in order.fulfillments for fid, _, q in f.lines}
        if fli not in shipped:
            return _error(
                [*path, "fulfillmentLineItemId"],
                "Fulfillment line item does not exist",
                "NOT_FOUND",
            ), None
        quantity = int(row.get("quantity") or 0)
        left = shipped[fli] - order.returned_quantity(fli)
        if quantity <= 0 or quantity > left:
            message = f"Quantity must be less than or equal to {left}"
            return _error([*path, "quantity"], message, "LESS_THAN_OR_EQUAL_TO"), None
        reason = row.get("returnReasonDefinitionId") or row.get("returnReason")
        if not reason:
            return _error([*path, "returnReasonDefinitionId"], "can't be blank", "BLANK"), None
        line = ReturnLineRec(
            id=self.shop.next_id("ReturnLineItem"),
            fulfillment_line_item_id=fli,
            quantity=quantity,
            customer_note=str(row.get("customerNote") or ""),
            reason=str(reason),
        )
        return None, line


def _transactions(
    order: OrderRec, rows: list[dict[str, Any]]
) -> tuple[Decimal, list[dict[str, Any]]]:
    errors, total = [], Decimal("0.00")
    for n, row in enumerate(rows):
        path = ["transactions", str(n)]
        if row.get("parentId") != order.sale_transaction_id:
            errors.append(_error([*path, "parentId"], "Parent transaction does not exist"))
            continue
        try:
            amount = Decimal(str(row.get("amount")))
        except InvalidOperation:
            amount = Decimal("-1")
        if not amount.is_finite() or amount <= 0:
            errors.append(_error([*path, "amount"], "Amount must be greater than 0"))
            continue
        total += amount
    if not errors and total > order.refundable:
        errors.append(
            _error(
                ["transactions", "0", "amount"],
                "Amount can't be greater than the refundable amount",
            )
        )
    return total, errors


def _address(data: dict[str, Any]) -> dict[str, Any]:
    code = str(data.get("countryCode") or "").upper()
    name = " ".join(p for p in (data.get("firstName"), data.get("lastName")) if p)
    return {
        "name": name or None,
        "address1": data.get("address1"),
        "address2": data.get("address2"),
        "city": data.get("city"),
        "province": data.get("provinceCode"),
        "zip": data.get("zip"),
        "country": COUNTRIES.get(code, code) or None,
        "countryCodeV2": code or None,
        "phone": e164(str(data.get("phone") or "")) or None,
    }
