"""Return requests for chosen line items (returnRequest: the merchant approves in Shopify).

Returns are made of *fulfillment* line items, so the order's returnable fulfillments are
read first and each requested line item is spread over the fulfillment line items that
still have returnable quantity. `returnRequest` takes no idempotency key: the customer
note carries a reference derived from ours, and an earlier return with that reference
is returned instead of opening a second one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from apps.core.redis import get_redis
from apps.integrations.commerce.base import (
    LineItemQuantity,
    OrderNotFound,
    PlatformRejected,
    ReturnResult,
)
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import user_error_rejection
from apps.integrations.commerce.shopify.refunds import action_reference, validate_key

_NOTE_MAX = 300
_REASONS_TTL_SECONDS = 24 * 3600
_WORD = re.compile(r"[a-z]+")


def return_request(
    client: ShopifyClient,
    *,
    order_id: str,
    line_items: list[LineItemQuantity],
    reason: str,
    idempotency_key: str,
) -> ReturnResult:
    """Request a return of `line_items`. Raises PlatformRejected when an item is not (or
    no longer) returnable or Shopify refuses; OrderNotFound for an unknown order."""
    validate_key(idempotency_key)
    if not line_items or any(i.quantity <= 0 for i in line_items):
        raise ValueError("a return needs line items with positive quantities")
    if not order_id.startswith("gid://shopify/Order/"):
        raise OrderNotFound(order_id)
    reference = action_reference(idempotency_key)
    context = client.execute(documents.RETURN_CONTEXT, {"orderId": order_id})
    order = (context or {}).get("order")
    if not order:
        raise OrderNotFound(order_id)
    earlier = _earlier_return(order, reference)
    if earlier is not None:
        return _result(earlier, replayed=True)
    spread = _spread(line_items, _returnable(context))
    note = _note(reason, reference)
    reason_fields = ReturnReasons(client).fields_for(reason)
    return_items = [{**item, **reason_fields, "customerNote": note} for item in spread]
    data = client.execute(
        documents.RETURN_REQUEST,
        {"input": {"orderId": order_id, "returnLineItems": return_items}},
    )
    payload = (data or {}).get("returnRequest") or {}
    if payload.get("userErrors"):
        raise user_error_rejection(payload["userErrors"])
    created = payload.get("return")
    if not created:
        raise PlatformRejected("Shopify opened no return", code="NO_RETURN")
    return _result(created, replayed=False)


def _earlier_return(order: dict[str, Any], reference: str) -> dict[str, Any] | None:
    for node in ((order.get("returns") or {}).get("nodes")) or []:
        items = ((node.get("returnLineItems") or {}).get("nodes")) or []
        if any(reference in str(item.get("customerNote") or "") for item in items):
            return dict(node)
    return None


def _returnable(context: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """line item id -> [[fulfillment line item id, returnable quantity], ...]."""
    found: dict[str, list[list[Any]]] = {}
    fulfillments = ((context.get("returnableFulfillments") or {}).get("nodes")) or []
    for fulfillment in fulfillments:
        rows = ((fulfillment.get("returnableFulfillmentLineItems") or {}).get("nodes")) or []
        for row in rows:
            fli = row.get("fulfillmentLineItem") or {}
            line_id = str((fli.get("lineItem") or {}).get("id") or "")
            quantity = int(row.get("quantity") or 0)
            if line_id and fli.get("id") and quantity > 0:
                found.setdefault(line_id, []).append([str(fli["id"]), quantity])
    return found


def _spread(
    wanted: list[LineItemQuantity], available: dict[str, list[list[Any]]]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for request in wanted:
        remaining = request.quantity
        for slot in available.get(request.line_item_id, []):
            take = min(remaining, slot[1])
            if take <= 0:
                continue
            items.append({"fulfillmentLineItemId": slot[0], "quantity": take})
            slot[1] -= take
            remaining -= take
        if remaining > 0:
            raise PlatformRejected(
                "That item can't be returned: it hasn't been delivered yet or was already "
                "returned.",
                code="NOT_RETURNABLE",
                field=request.line_item_id,
            )
    return items


def _note(reason: str, reference: str) -> str:
    room = _NOTE_MAX - len(reference) - 3
    text = " ".join((reason or "Return requested").split())[:room]
    return f"{text} [{reference}]"


def _result(node: dict[str, Any], *, replayed: bool) -> ReturnResult:
    status = str(node.get("status") or "REQUESTED").lower()
    return ReturnResult(
        return_id=str(node.get("id") or ""),
        status=status if status in ("requested", "open") else status,
        evidence={"platform": "shopify", "return_name": node.get("name"), "replayed": replayed},
    )


class ReturnReasons:
    """Shopify's return reason library (since 2026-01), matched to the customer's words.

    The library is the same for every shop but localised, so it is cached per shop for a
    day. No good match -> the definition whose handle says "other"; an empty library ->
    the deprecated enum value OTHER, still accepted.
    """

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client
        self._key = f"shopify:return-reasons:{client.store.domain}"

    def fields_for(self, reason: str) -> dict[str, str]:
        definitions = [d for d in self._library() if not d.get("deleted")]
        words = set(_WORD.findall((reason or "").lower()))
        best, best_score = None, 0
        for definition in definitions:
            label = f"{definition.get('handle')} {definition.get('name')}".lower()
            vocabulary = set(_WORD.findall(label))
            score = len(words & vocabulary)
            if score > best_score:
                best, best_score = definition, score
        if best is None:
            best = next((d for d in definitions if "other" in str(d.get("handle"))), None)
        if best is None:
            return {"returnReason": "OTHER"}
        return {"returnReasonDefinitionId": str(best["id"])}

    def _library(self) -> list[dict[str, Any]]:
        redis = get_redis()
        if redis is not None and (cached := redis.get(self._key)):
            return list(json.loads(cached))
        data = self.client.execute(documents.RETURN_REASONS, {})
        nodes = ((data or {}).get("returnReasonDefinitions") or {}).get("nodes") or []
        library = [n for n in nodes if isinstance(n, dict) and n.get("id")]
        if redis is not None:
            redis.set(self._key, json.dumps(library), ex=_REASONS_TTL_SECONDS)
        return library
