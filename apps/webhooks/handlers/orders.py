"""orders/* and refunds/create: keep the local order snapshot fresh."""

from __future__ import annotations

from apps.integrations.commerce.shopify.webhook_orders import (
    InvalidShopifyPayload,
    RefundMergeResult,
    UpsertResult,
    order_refund_merge_from_shopify,
    order_upsert_parsed_from_shopify,
)
from apps.integrations.shipping.outbound import outbound_trackers_eager
from apps.stores.models import Store
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError
from apps.webhooks.handlers.binding import require_order_shop
from apps.webhooks.models import WebhookEvent


def handle_order(event: WebhookEvent, store: Store) -> HandlerResult:
    require_order_shop(event, event.payload)
    try:
        result, fields = order_upsert_parsed_from_shopify(store, event.payload)
    except InvalidShopifyPayload as exc:
        raise PermanentHandlerError(str(exc)) from exc
    if result is UpsertResult.STALE:
        return HandlerResult.ignored("stale: the snapshot holds a newer version of the order")
    # A fresh fulfilment with only a tracking number: its tracker is requested now, so
    # the customer's first question already has carrier scans (bounded, see outbound.py).
    requested = outbound_trackers_eager(store, fields)
    note = f"; {requested} tracker(s) requested" if requested else ""
    return HandlerResult.processed(f"order {result.value}{note}")


def handle_refund(event: WebhookEvent, store: Store) -> HandlerResult:
    # A refund names no shop; it is bound by its order, looked up in this store only.
    try:
        result = order_refund_merge_from_shopify(store, event.payload)
    except InvalidShopifyPayload as exc:
        raise PermanentHandlerError(str(exc)) from exc
    if result is RefundMergeResult.ORDER_MISSING:
        return HandlerResult.ignored(
            "order not in the snapshot yet; its own orders/* webhook carries this refund"
        )
    if result is RefundMergeResult.DUPLICATE:
        return HandlerResult.processed("refund already in the snapshot")
    return HandlerResult.processed("refund merged")
