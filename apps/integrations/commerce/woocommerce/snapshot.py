"""Keeping the local order snapshot of a WooCommerce store: webhooks and the backstop poll.

A webhook payload is the order resource itself (the same JSON as `GET /orders/{id}`); its
refunds come as `{id, reason, total}` only, which the snapshot merges by id without
losing the per-item quantities an earlier, fuller read recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.integrations.commerce.snapshot import info_to_order_fields
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.integrations.commerce.woocommerce.mapping import order_from_json, text
from apps.orders.models import Order
from apps.orders.services import UpsertResult, order_upsert
from apps.stores.models import Store

__all__ = ["InvalidWooPayload", "UpsertResult", "order_snapshot_delete", "order_snapshot_save"]


class InvalidWooPayload(ValueError):
    pass


def order_snapshot_save(
    store: Store, payload: Mapping[str, Any], *, reads: OrderReads | None = None
) -> UpsertResult:
    """Create or refresh the snapshot of one order from its JSON. Idempotent; an older
    version than the one held changes nothing (STALE).

    With `reads` (a worker, never a request), the order is completed the way a provider
    read completes it: which items its refunds covered (one call when it has refunds) and
    its products' tags (cached), so the snapshot answers refund and return questions too.
    Raises InvalidWooPayload, and with `reads` TransientCommerceError."""
    if not text(payload.get("id")).isdigit() or not payload.get("date_modified_gmt"):
        raise InvalidWooPayload("not a WooCommerce order")
    info = reads.complete(payload) if reads is not None else order_from_json(payload)
    if info.updated_at is None:
        raise InvalidWooPayload("order without a valid date_modified_gmt")
    return order_upsert(store, info_to_order_fields(info))


def order_snapshot_delete(store: Store, payload: Mapping[str, Any]) -> bool:
    """order.deleted carries only the id: the order is gone from the store."""
    order_id = text(payload.get("id"))
    if not order_id.isdigit():
        raise InvalidWooPayload("no order id")
    deleted, _ = Order.objects.filter(store=store, platform_order_id=order_id).delete()
    return bool(deleted)
