"""orders/* and refunds/create webhooks -> the order snapshot: validate the payload, map it
(webhook_payloads), and write it through the provider-neutral snapshot services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.integrations.commerce.shopify.ids import gid
from apps.integrations.commerce.shopify.webhook_payloads import (
    InvalidShopifyPayload,
    parse_order,
    parse_refund,
    refund_snapshot,
    snapshot_fields,
)
from apps.orders.services import (
    RefundMergeResult,
    UpsertResult,
    order_refund_merge,
    order_upsert,
)
from apps.stores.models import Store

__all__ = [
    "InvalidShopifyPayload",
    "RefundMergeResult",
    "UpsertResult",
    "order_refund_merge_from_shopify",
    "order_upsert_parsed_from_shopify",
    "order_upsert_from_shopify",
]


def order_upsert_from_shopify(store: Store, payload: Mapping[str, Any]) -> UpsertResult:
    """Create or refresh the store's snapshot of one order from a Shopify order payload
    (an older `updated_at` than the snapshot's changes nothing). Raises
    InvalidShopifyPayload for a payload that is not an order."""
    return order_upsert_parsed_from_shopify(store, payload)[0]


def order_upsert_parsed_from_shopify(
    store: Store, payload: Mapping[str, Any]
) -> tuple[UpsertResult, dict[str, Any]]:
    """The same, with the snapshot's field values (what the caller may act on, parsed once)."""
    fields = snapshot_fields(parse_order(payload))
    return order_upsert(store, dict(fields)), fields  # order_upsert pops the id


def order_refund_merge_from_shopify(store: Store, payload: Mapping[str, Any]) -> RefundMergeResult:
    """Add a refunds/create refund to its order's snapshot, once per refund id.

    When the order is not in the snapshot yet, nothing is written (ORDER_MISSING): the
    order's own webhook (orders/updated fires on every refund) carries all its refunds.
    Raises InvalidShopifyPayload for a payload that is not a refund.
    """
    refund = parse_refund(payload)
    return order_refund_merge(
        store,
        gid("Order", refund.order_id),
        lambda currency: refund_snapshot(refund, currency),
    )
