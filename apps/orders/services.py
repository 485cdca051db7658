"""Writes on the order snapshot.

Webhooks arrive duplicated and out of order, and several workers may hold deliveries
for one order at once, so every write locks the order's row (`select_for_update`) and
decides under that lock: never check-then-act.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from apps.orders.models import Order
from apps.orders.refunds import merge_refunds, refunds_total, with_refunded_quantities
from apps.stores.models import Store


class UpsertResult(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STALE = "stale"  # older than the snapshot held: nothing written


class RefundMergeResult(enum.StrEnum):
    MERGED = "merged"
    DUPLICATE = "duplicate"  # this refund id is already in the snapshot
    ORDER_MISSING = "order_missing"


def order_upsert(store: Store, fields: dict[str, Any]) -> UpsertResult:
    """Create or refresh the store's snapshot of one order from a platform's version of it
    (`fields`: the Order fields, `platform_order_id` included, store aside).

    A version whose `platform_updated_at` is older than the snapshot's changes nothing
    (STALE); an equal one is applied again (redelivery, idempotent). Refunds are merged
    by id, never dropped.
    """
    fields = dict(fields)
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


def order_refund_merge(
    store: Store, platform_order_id: str, entry_for: Callable[[str], dict[str, Any]]
) -> RefundMergeResult:
    """Add one refund to its order's snapshot, once per refund id.

    `entry_for(order_currency)` builds the snapshot's refund entry (the order's currency
    is the fallback when the refund does not name one). When the order is not in the
    snapshot yet, nothing is written (ORDER_MISSING).
    """
    with transaction.atomic():
        order = _locked(store, platform_order_id)
        if order is None:
            return RefundMergeResult.ORDER_MISSING
        entry = entry_for(order.currency)
        if any(str(held.get("id")) == entry["id"] for held in order.refunds):
            return RefundMergeResult.DUPLICATE
        _set_refunds(order, merge_refunds(order.refunds, [entry]))
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
    _set_refunds(order, merge_refunds(order.refunds, incoming_refunds))
    order.save()


def _set_refunds(order: Order, refunds: list[dict[str, Any]]) -> None:
    order.refunds = refunds
    order.total_refunded = refunds_total(refunds)
    order.line_items = with_refunded_quantities(order.line_items, refunds)
