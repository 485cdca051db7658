"""The local order snapshot as the Shopify provider's first source.

Freshness: a row is served without an API call when we wrote it less than
SHOPIFY_ORDER_CACHE_SECONDS ago (default 5 minutes; order webhooks normally rewrite it
within seconds of every change, the bound only limits the damage of a lost webhook).
Orders in a final state (cancelled, fully refunded or voided, or delivered more than
FINAL_AFTER_DELIVERY ago) hardly change any more and keep for
SHOPIFY_ORDER_CACHE_FINAL_SECONDS (default a day).

Writes go through `order_snapshot_upsert`, which holds the row lock while it compares
Shopify's `updatedAt`: an older version (a late webhook, a slow backfill page) never
overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.orders.models import FinancialStatus, FulfillmentStatus, Order
from apps.orders.refunds import merge_refunds
from apps.orders.services import UpsertResult
from apps.stores.models import Store

FINAL_AFTER_DELIVERY = timedelta(days=14)
_FINAL_FINANCIAL = {FinancialStatus.REFUNDED, FinancialStatus.VOIDED}


def is_final(order: Order, *, now: datetime | None = None) -> bool:
    """Will this order most likely never change again?"""
    if order.cancelled_at is not None or order.financial_status in _FINAL_FINANCIAL:
        return True
    if order.fulfillment_status != FulfillmentStatus.FULFILLED:
        return False
    delivered = [f.get("delivered_at") for f in order.fulfillments if isinstance(f, dict)]
    if not delivered or any(not d for d in delivered):
        return False
    latest = max(str(d) for d in delivered)
    moment = _parse(latest)
    return moment is not None and moment < (now or timezone.now()) - FINAL_AFTER_DELIVERY


def is_fresh(order: Order, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    bound = (
        settings.SHOPIFY_ORDER_CACHE_FINAL_SECONDS
        if is_final(order, now=now)
        else settings.SHOPIFY_ORDER_CACHE_SECONDS
    )
    return order.synced_at is not None and order.synced_at >= now - timedelta(seconds=bound)


def order_snapshot_upsert(
    *,
    store: Store,
    platform_order_id: str,
    platform_updated_at: datetime,
    fields: Mapping[str, Any],
) -> UpsertResult:
    """Create or refresh one snapshot row unless we already hold a newer version.

    An equal `platform_updated_at` is applied again (it refreshes `synced_at`). Refunds
    are merged by id: one we knew never disappears, and the per-item quantities a webhook
    recorded survive a GraphQL version that did not fetch them. Idempotent.
    """
    values = {k: v for k, v in fields.items() if k not in ("platform_order_id", "store")}
    values["platform_updated_at"] = platform_updated_at
    with transaction.atomic():
        order = _locked(store, platform_order_id)
        if order is None:
            if _insert(store, platform_order_id, values):
                return UpsertResult.CREATED
            order = _locked(store, platform_order_id)
            if order is None:  # pragma: no cover - the conflicting row was deleted again
                return UpsertResult.STALE
        held = order.platform_updated_at
        if held is not None and platform_updated_at < held:
            return UpsertResult.STALE
        values["refunds"] = merge_refunds(order.refunds, values.get("refunds") or [])
        for name, value in values.items():
            setattr(order, name, value)
        order.save()
        return UpsertResult.UPDATED


@dataclass(frozen=True)
class SnapshotVersion:
    """One order as the API showed it: what order_snapshot_upsert takes, as a value."""

    platform_order_id: str
    platform_updated_at: datetime
    fields: Mapping[str, Any]


def order_snapshots_upsert(*, store: Store, versions: list[SnapshotVersion]) -> int:
    """order_snapshot_upsert for many orders at once, with the same rules (a newer row is
    kept, refunds are merged), in three queries instead of four per order: the rows held
    are locked together, new ones inserted together, changed ones updated together.

    Call inside a transaction. If another writer inserts one of the new orders meanwhile,
    the batch falls back to one upsert per order. Returns how many rows were written.
    """
    latest: dict[str, SnapshotVersion] = {}
    for version in versions:  # one order twice in a batch: the newer version counts
        held = latest.get(version.platform_order_id)
        if held is None or held.platform_updated_at <= version.platform_updated_at:
            latest[version.platform_order_id] = version
    rows = {
        o.platform_order_id: o
        for o in Order.objects.select_for_update().filter(
            store=store, platform_order_id__in=list(latest)
        )
    }
    now = timezone.now()
    created = [_row(store, v, now) for key, v in latest.items() if key not in rows]
    applied = [_apply(rows[key], v, now) for key, v in latest.items() if key in rows]
    changed = [row for row in applied if row is not None]
    try:
        with transaction.atomic():
            Order.objects.bulk_create(created)
    except IntegrityError:
        return sum(
            order_snapshot_upsert(
                store=store,
                platform_order_id=v.platform_order_id,
                platform_updated_at=v.platform_updated_at,
                fields=v.fields,
            )
            != UpsertResult.STALE
            for v in latest.values()
        )
    if changed:
        Order.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=200)
    return len(created) + len(changed)


_UPDATED_FIELDS = [
    f.name
    for f in Order._meta.concrete_fields
    if f.name not in ("id", "store", "platform_order_id")
]


def _values(version: SnapshotVersion) -> dict[str, Any]:
    values = {k: v for k, v in version.fields.items() if k not in ("platform_order_id", "store")}
    values["platform_updated_at"] = version.platform_updated_at
    return values


def _row(store: Store, version: SnapshotVersion, now: datetime) -> Order:
    row = Order(store=store, platform_order_id=version.platform_order_id, **_values(version))
    row.synced_at = now
    return row


def _apply(row: Order, version: SnapshotVersion, now: datetime) -> Order | None:
    held = row.platform_updated_at
    if held is not None and version.platform_updated_at < held:
        return None
    values = _values(version)
    values["refunds"] = merge_refunds(row.refunds, values.get("refunds") or [])
    for name, value in values.items():
        setattr(row, name, value)
    row.synced_at = now
    return row


def _locked(store: Store, platform_order_id: str) -> Order | None:
    return (
        Order.objects.select_for_update()
        .filter(store=store, platform_order_id=platform_order_id)
        .first()
    )


def _insert(store: Store, platform_order_id: str, values: dict[str, Any]) -> bool:
    try:
        with transaction.atomic():
            Order(store=store, platform_order_id=platform_order_id, **values).save(
                force_insert=True
            )
    except IntegrityError:
        return False
    return True


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
