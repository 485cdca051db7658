"""Writes on the order snapshot.

Webhooks arrive duplicated and out of order, and several workers may hold deliveries
for one order at once, so every write locks the order's row (`select_for_update`) and
decides under that lock: never check-then-act.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from apps.orders import shopify_mapping as shopify
from apps.orders.models import Order
from apps.stores.models import Store

InvalidShopifyPayload = shopify.InvalidShopifyPayload


class UpsertResult(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STALE = "stale"  # older than the snapshot held: nothing written


class RefundMergeResult(enum.StrEnum):
    MERGED = "merged"
    DUPLICATE = "duplicate"  # this refund id is already in the snapshot
    ORDER_MISSING = "order_missing"


def order_upsert_from_shopify(store: Store, payload: Mapping[str, Any]) -> UpsertResult:
    """Create or refresh the store's snapshot of one order from a Shopify order payload.

    A payload whose `updated_at` is older than the snapshot's changes nothing (STALE);
    an equal one is applied again (redelivery, idempotent). Refunds are merged by id,
    never dropped. Raises InvalidShopifyPayload for a payload that is not an order.
    """
    fields = shopify.snapshot_fields(shopify.parse_order(payload))
    key = fields.pop("platform_order_id")
    with transaction.atomic():
        order = _locked(store, key)
        if order is None:
            if _insert(store, key, fields):
                return UpsertResult.CREATED
            # Another worker inserted it between our read and our insert: its row is
            # committed now, so lock it and compare like any other update.
            order = _locked(store, key)
            assert order is not None
        held = order.platform_updated_at
        if held is not None and fields["platform_updated_at"] < held:
            return UpsertResult.STALE
        _apply(order, fields)
        return UpsertResult.UPDATED


def order_refund_merge_from_shopify(store: Store, payload: Mapping[str, Any]) -> RefundMergeResult:
    """Add a refunds/create refund to its order's snapshot, once per refund id.

    When the order is not in the snapshot yet, nothing is written (ORDER_MISSING): the
    order's own webhook (orders/updated fires on every refund) carries all its refunds.
    Raises InvalidShopifyPayload for a payload that is not a refund.
    """
    refund = shopify.parse_refund(payload)
    with transaction.atomic():
        order = _locked(store, shopify.gid("Order", refund.order_id))
        if order is None:
            return RefundMergeResult.ORDER_MISSING
        entry = shopify.refund_snapshot(refund, order.currency)
        if any(str(held.get("id")) == entry["id"] for held in order.refunds):
            return RefundMergeResult.DUPLICATE
        _set_refunds(order, shopify.merge_refunds(order.refunds, [entry]))
        order.save(update_fields=["refunds", "total_refunded", "line_items", "synced_at"])
        return RefundMergeResult.MERGED


def _locked(store: Store, platform_order_id: str) -> Order | None:
    return (
        Order.objects.select_for_update()
        .filter(store=store, platform_order_id=platform_order_id)
        .first()
    )


def _insert(store: Store, platform_order_id: str, fields: dict[str, Any]) -> bool:
    order = Order(store=store, platform_order_id=platform_order_id, **fields)
    _set_refunds(order, fields["refunds"])
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _apply(order: Order, fields: dict[str, Any]) -> None:
    incoming_refunds = fields.pop("refunds")
    for name, value in fields.items():
        setattr(order, name, value)
    _set_refunds(order, shopify.merge_refunds(order.refunds, incoming_refunds))
    order.save()


def _set_refunds(order: Order, refunds: list[dict[str, Any]]) -> None:
    order.refunds = refunds
    order.total_refunded = shopify.refunds_total(refunds)
    order.line_items = shopify.with_refunded_quantities(order.line_items, refunds)
