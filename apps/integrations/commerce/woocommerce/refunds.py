"""Refunds through `POST /orders/{id}/refunds`, exactly once per idempotency key.

WooCommerce has no idempotency key. Once-only rests on three things: the agent's action
row (one key per refund request), a per-order lock held across read-check-create, and
the key written into the refund's own meta, so a retry after a lost answer finds the
refund it already made instead of making another.

`api_refund` asks WooCommerce to move the money through the payment gateway. Offline
methods (bank transfer, cheque, cash on delivery) cannot: for them the refund is
recorded with `api_refund=false` and the merchant is told, in an order note, to pay it
back. A gateway that should refund and answers that it cannot (an error, or
`refunded_payment: false`) leaves nothing recorded: the refund is deleted again and the
error says so plainly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
from apps.integrations.commerce.woocommerce.client import WooClient, WooRejected
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.integrations.commerce.woocommerce.mapping import (
    REFUND_KEY,
    meta_of,
    money,
    order_from_json,
    text,
)

logger = logging.getLogger(__name__)

OFFLINE_GATEWAYS = frozenset({"bacs", "cheque", "cod", ""})
MAX_KEY_LENGTH = 200


class GatewayCannotRefund(PlatformRejected):
    """The payment gateway would not return the money; nothing was recorded."""


def validate_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError("an idempotency key of at most 200 characters is required")


def order_lock(client: WooClient, order_id: str) -> Any:
    """One writer per order across every worker (refunds, cancels, meta edits)."""
    return named_lock(f"woo:order:{client.store.pk}:{order_id}", timeout=60.0, wait=15.0)


def refund_create(
    client: WooClient,
    reads: OrderReads,
    *,
    order_id: str,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    idempotency_key: str,
    notify_customer: bool = True,
) -> RefundResult:
    """Refund an amount or items once per key. Raises OrderNotFound, PlatformRejected
    (above refundable, bad items, GatewayCannotRefund), TransientCommerceError."""
    validate_key(idempotency_key)
    try:
        with order_lock(client, order_id):
            raw = reads.raw(order_id)
            if raw is None:
                raise OrderNotFound(order_id)
            return refund_in_lock(
                client,
                reads,
                raw,
                amount=amount,
                line_items=line_items,
                reason=reason,
                idempotency_key=idempotency_key,
            )
    except LockTimeout:
        raise TransientCommerceError(f"order {order_id} is being changed; try again") from None


def refund_in_lock(
    client: WooClient,
    reads: OrderReads,
    raw: Mapping[str, Any],
    *,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    idempotency_key: str,
) -> RefundResult:
    """refund_create's work, for a caller already holding the order's lock."""
    order_id = text(raw.get("id"))
    details = reads.refunds(raw)
    done = _refund_with_key(details, idempotency_key)
    if done is not None:
        return _result(done, text(raw.get("currency")), replayed=True)
    order = order_from_json(raw, details)
    body = _request_body(order, amount, line_items, reason, idempotency_key)
    body["api_refund"] = _gateway_refunds(raw)
    created = _post(client, order_id, body)
    _check_money_moved(client, order_id, body, created)
    if not body["api_refund"]:
        _tell_merchant_to_pay_back(client, order_id, created, raw)
    return _result(created, order.currency, replayed=False)


def _request_body(
    order: OrderInfo,
    amount: Decimal | None,
    line_items: list[LineItemQuantity] | None,
    reason: str,
    key: str,
) -> dict[str, Any]:
    lines = _refund_lines(order, line_items or [])
    if amount is None:
        amount = sum((Decimal(line["refund_total"]) for line in lines), Decimal("0"))
    if amount <= 0:
        raise PlatformRejected("a refund must be more than zero", code="invalid_amount")
    if amount > order.refundable_amount:
        raise PlatformRejected(
            f"{amount} is more than the {order.refundable_amount} left to refund",
            code="above_refundable",
        )
    return {
        "amount": f"{amount:.2f}",
        "reason": reason[:500],
        "line_items": lines,
        "api_restock": bool(lines),
        "meta_data": [{"key": REFUND_KEY, "value": key}],
    }


def _refund_lines(order: OrderInfo, wanted: list[LineItemQuantity]) -> list[dict[str, Any]]:
    items = {item.id: item for item in order.line_items}
    lines = []
    for request in wanted:
        item = items.get(request.line_item_id)
        if item is None:
            raise PlatformRejected("no such item on the order", code="unknown_line_item")
        if request.quantity <= 0 or request.quantity > item.refundable_quantity:
            raise PlatformRejected(
                f"{item.title}: {item.refundable_quantity} left to refund", code="quantity"
            )
        worth = item.price * request.quantity
        lines.append(
            {"id": int(item.id), "quantity": request.quantity, "refund_total": f"{worth:.2f}"}
        )
    return lines


def _gateway_refunds(order: Mapping[str, Any]) -> bool:
    return text(order.get("payment_method")).lower() not in OFFLINE_GATEWAYS


def _post(client: WooClient, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        created = client.request("POST", f"orders/{order_id}/refunds", json=body).data
    except WooRejected as exc:
        if body["api_refund"] and exc.code == "woocommerce_rest_cannot_create_order_refund":
            raise GatewayCannotRefund(
                f"The payment gateway did not refund this order: {exc}", code="gateway_refused"
            ) from None
        raise
    if not isinstance(created, dict) or not text(created.get("id")):
        raise PlatformRejected("WooCommerce did not return the refund", code="no_refund")
    return created


def _check_money_moved(
    client: WooClient, order_id: str, body: dict[str, Any], created: Mapping[str, Any]
) -> None:
    if not body["api_refund"] or created.get("refunded_payment") is not False:
        return
    # Older WooCommerce keeps a refund whose gateway call failed: take it back, so the
    # order never says "refunded" while the customer's money stays where it was.
    refund_id = text(created.get("id"))
    client.request("DELETE", f"orders/{order_id}/refunds/{refund_id}", params={"force": "true"})
    logger.warning("woocommerce gateway did not refund order_id=%s; refund removed", order_id)
    raise GatewayCannotRefund(
        "The payment gateway did not return the money; no refund was recorded.",
        code="gateway_refused",
    )


def _tell_merchant_to_pay_back(
    client: WooClient, order_id: str, created: Mapping[str, Any], order: Mapping[str, Any]
) -> None:
    method = text(order.get("payment_method_title")) or "an offline method"
    note = (
        f"Aftersale recorded refund #{text(created.get('id'))} of "
        f"{money(created.get('amount'))} {text(order.get('currency'))}. The order was paid "
        f"by {method}, which WooCommerce cannot refund: please return the money yourself."
    )
    client.request("POST", f"orders/{order_id}/notes", json={"note": note, "customer_note": False})


def _refund_with_key(details: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    for refund in details:
        if text(meta_of(refund).get(REFUND_KEY)) == key:
            return refund
    return None


def _result(refund: Mapping[str, Any], currency: str, *, replayed: bool) -> RefundResult:
    return RefundResult(
        refund_id=text(refund.get("id")),
        amount=abs(money(refund.get("amount"))),
        currency=currency.upper(),
        evidence={
            "platform": "woocommerce",
            "refund_id": text(refund.get("id")),
            "refunded_payment": bool(refund.get("refunded_payment")),
            "replayed": replayed,
        },
    )
