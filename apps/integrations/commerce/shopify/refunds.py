"""Refunds through Shopify's own arithmetic: suggestedRefund, then refundCreate.

Shopify suggests what the chosen items are worth (tax and discounts included) and which
payment transactions to refund against; we never send more than `maximumRefundable`.
`refundCreate` carries the caller's idempotency key in `@idempotent(key:)`, so a resend
after a timeout gets the original refund back. The refund note also carries a short
reference derived from the key, so a retry of the whole operation (a new task run,
after the first one died mid-flight) finds the refund it already made instead of asking
Shopify to suggest a refund of what is left.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderNotFound,
    PlatformRejected,
    RefundResult,
)
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import user_error_rejection

ZERO = Decimal("0")
CENT = Decimal("0.01")
_NOTE_MAX = 255
_LINE_ITEM_GID = re.compile(r"gid://shopify/LineItem/\d{1,20}")


def action_reference(idempotency_key: str) -> str:
    """A short, non-reversible tag for notes the merchant sees: `aftersale:1a2b3c4d5e6f`."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
    return f"aftersale:{digest}"


def validate_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > 255 or not idempotency_key.isprintable():
        raise ValueError("an idempotency key of 1-255 printable characters is required")


def refund_create(
    client: ShopifyClient,
    *,
    order_id: str,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    idempotency_key: str,
    notify_customer: bool,
) -> RefundResult:
    """Refund `amount`, or what `line_items` are worth. Raises PlatformRejected above the
    refundable amount or on userErrors, OrderNotFound for an unknown order. Idempotent."""
    validate_key(idempotency_key)
    _validate_request(amount, line_items)
    reference = action_reference(idempotency_key)
    refund_items = [
        {"lineItemId": i.line_item_id, "quantity": i.quantity, "restockType": "NO_RESTOCK"}
        for i in line_items or []
    ]
    order = _refund_context(client, order_id, refund_items)
    currency = str(order.get("currencyCode") or "")
    earlier = _earlier_refund(order, reference)
    if earlier is not None:
        return _result(earlier, currency, replayed=True)
    _check_refundable_items(order, line_items or [])
    suggested = order.get("suggestedRefund") or {}
    target = _target_amount(amount, suggested)
    transactions = _allocate(target, suggested.get("suggestedTransactions") or [], order_id)
    refund_input: dict[str, Any] = {
        "orderId": order_id,
        "note": _note(reason, reference),
        "notify": notify_customer,
        "transactions": transactions,
    }
    if refund_items:
        refund_input["refundLineItems"] = refund_items
    data = client.execute(
        documents.REFUND_CREATE, {"input": refund_input, "idempotencyKey": idempotency_key}
    )
    payload = (data or {}).get("refundCreate") or {}
    if payload.get("userErrors"):
        raise user_error_rejection(payload["userErrors"])
    refund = payload.get("refund")
    if not refund:
        raise PlatformRejected("Shopify created no refund", code="NO_REFUND")
    return _result(refund, currency, replayed=False, evidence={"transactions": transactions})


def _validate_request(amount: Decimal | None, line_items: list[LineItemQuantity] | None) -> None:
    if amount is None and not line_items:
        raise ValueError("refund needs an amount or line items")
    if amount is not None and (not amount.is_finite() or amount <= ZERO):
        raise PlatformRejected(
            "A refund must be more than zero.", code="INVALID_AMOUNT", field="amount"
        )
    if any(i.quantity <= 0 for i in line_items or []):
        raise PlatformRejected("Refund quantities must be positive.", code="INVALID_QUANTITY")
    for item in line_items or []:
        # Anything else is not a Shopify line item id, and would fail the whole query.
        if not _LINE_ITEM_GID.fullmatch(item.line_item_id):
            raise PlatformRejected(
                "That item is not on this order.", code="NOT_ON_ORDER", field=item.line_item_id
            )


def _check_refundable_items(order: dict[str, Any], wanted: list[LineItemQuantity]) -> None:
    """Each item is on the order and has that many units left to refund. Shopify's
    suggestion would quietly cap the quantity instead of saying no."""
    lines = order.get("lineItems") or {}
    refundable = {
        str(n.get("id")): int(n.get("refundableQuantity") or 0)
        for n in lines.get("nodes") or []
        if isinstance(n, dict)
    }
    listed_all = not (lines.get("pageInfo") or {}).get("hasNextPage")
    for item in wanted:
        left = refundable.get(item.line_item_id)
        if left is None and listed_all:
            raise PlatformRejected(
                "That item is not on this order.", code="NOT_ON_ORDER", field=item.line_item_id
            )
        if left is not None and item.quantity > left:
            raise PlatformRejected(
                f"Only {left} of that item can still be refunded.",
                code="ABOVE_REFUNDABLE",
                field=item.line_item_id,
            )


def _refund_context(
    client: ShopifyClient, order_id: str, refund_items: list[dict[str, Any]]
) -> dict[str, Any]:
    if not order_id.startswith("gid://shopify/Order/"):
        raise OrderNotFound(order_id)
    data = client.execute(
        documents.REFUND_CONTEXT,
        {"id": order_id, "refundLineItems": refund_items or None, "full": not refund_items},
    )
    order = (data or {}).get("order")
    if not order:
        raise OrderNotFound(order_id)
    return dict(order)


def _earlier_refund(order: dict[str, Any], reference: str) -> dict[str, Any] | None:
    for refund in order.get("refunds") or []:
        if reference in str(refund.get("note") or ""):
            return dict(refund)
    return None


def _money(bag: Any) -> Decimal:
    try:
        return Decimal(str(((bag or {}).get("shopMoney") or {}).get("amount") or "0"))
    except ArithmeticError:
        return ZERO


def _target_amount(amount: Decimal | None, suggested: dict[str, Any]) -> Decimal:
    maximum = _money(suggested.get("maximumRefundableSet"))
    target = amount if amount is not None else _money(suggested.get("amountSet"))
    target = target.quantize(CENT)
    if target <= ZERO or maximum <= ZERO:
        raise PlatformRejected("Nothing on this order can be refunded.", code="NOTHING_REFUNDABLE")
    if target > maximum:
        raise PlatformRejected(
            f"{target} is more than the {maximum} that can still be refunded on this order.",
            code="ABOVE_REFUNDABLE",
            field="amount",
        )
    return target


def _allocate(target: Decimal, suggestions: list[Any], order_id: str) -> list[dict[str, Any]]:
    """Spread `target` over Shopify's suggested transactions, none above its suggestion."""
    remaining = target
    transactions = []
    for suggestion in suggestions:
        parent = (suggestion.get("parentTransaction") or {}).get("id")
        available = _money(suggestion.get("amountSet"))
        if remaining <= ZERO or available <= ZERO or not parent:
            continue
        part = min(available, remaining)
        transactions.append(
            {
                "orderId": order_id,
                "parentId": parent,
                "amount": str(part),
                "gateway": str(suggestion.get("gateway") or ""),
                "kind": "REFUND",
            }
        )
        remaining -= part
    if remaining > ZERO:
        raise PlatformRejected(
            f"Only {target - remaining} of {target} can go back to the original payment.",
            code="ABOVE_REFUNDABLE",
            field="amount",
        )
    return transactions


def _note(reason: str, reference: str) -> str:
    room = _NOTE_MAX - len(reference) - 3
    text = " ".join((reason or "Refund").split())[:room]
    return f"{text} [{reference}]"


def _result(
    refund: dict[str, Any],
    currency: str,
    *,
    replayed: bool,
    evidence: dict[str, Any] | None = None,
) -> RefundResult:
    money = (refund.get("totalRefundedSet") or {}).get("shopMoney") or {}
    return RefundResult(
        refund_id=str(refund.get("id") or ""),
        amount=_money(refund.get("totalRefundedSet")),
        currency=str(money.get("currencyCode") or currency),
        evidence={
            "platform": "shopify",
            "refund_id": str(refund.get("id") or ""),
            "created_at": refund.get("createdAt"),
            "replayed": replayed,
            **(evidence or {}),
        },
    )
