"""Import a store's recent orders into the snapshot, page by page, resumable.

Window: orders created in the last `OrderSync.window_days` (SHOPIFY_BACKFILL_DAYS,
default 90) counted from when the backfill first started, so a resumed run asks the
very same query and its saved cursor stays valid. Orders older than 60 days are only
visible with the `read_all_orders` scope; without it the import simply sees fewer.

Each page (sorted by creation, oldest first) is written in one transaction together
with the cursor after it and the progress counters, so a crash between pages loses
nothing and repeats nothing; a crash inside a page rolls the page back and the next run
fetches it again. Upserts never let an older version overwrite a newer one, so a page
fetched before a webhook and written after it is harmless. Memory stays flat: only one
page is ever held.

Page size: the largest page whose requested cost stays under the 1000-point single-query
cap (documents.PAGE); if Shopify still says MAX_COST_EXCEEDED the page is halved.

Paged or bulk: the first run counts the window's orders (`ordersCount`). Above
SHOPIFY_BULK_BACKFILL_THRESHOLD (default 1,000) the import runs as one bulk operation
instead (bulk.py, bulk_download.py): pages cost ~30 points an order, so 10,000 orders
take ~50 minutes of a standard plan's 100 points/s, while a bulk operation costs a
handful of points and its download is limited only by how fast we write. The choice is
made once and kept in `OrderSync.mode`, so a resumed run goes on the way it began.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.locks import LockTimeout, named_lock
from apps.integrations.commerce.base import CommerceError, TransientCommerceError
from apps.integrations.commerce.shopify import cache, documents, mapping
from apps.integrations.commerce.shopify.bulk import (
    PAGES_COLUMNS,
    BulkCursor,
    BulkOperationFailed,
    bulk_start,
    bulk_status,
    poll_delay,
)
from apps.integrations.commerce.shopify.bulk_download import (
    BulkFileGone,
    CursorMoved,
    download_step,
)
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import QueryTooExpensive, ShopifyBusy
from apps.orders.models import OrderSync, OrderSyncMode, OrderSyncStatus
from apps.stores.models import Store

logger = logging.getLogger(__name__)

SINGLE_QUERY_CAP = 1000
DEFAULT_PAGE_SIZE = (SINGLE_QUERY_CAP - 3) // documents.PAGE.cost()

ProgressCallback = Callable[[OrderSync], None]


def backfill_reset(store: Store, *, window_days: int | None = None) -> OrderSync:
    """Forget progress so the next run starts over (rows already imported stay)."""
    sync = _sync_row(store)
    values: dict[str, Any] = {
        **PAGES_COLUMNS,
        "status": OrderSyncStatus.IDLE,
        "imported": 0,
        "points_used": 0,
        "total_estimate": None,
        "started_at": None,
        "finished_at": None,
        "last_error": "",
    }
    if window_days is not None:
        values["window_days"] = window_days
    OrderSync.objects.filter(pk=sync.pk).update(**values)
    sync.refresh_from_db()
    return sync


def backfill_run(
    store: Store,
    *,
    client: ShopifyClient | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    time_budget: float | None = None,
    on_page: ProgressCallback | None = None,
) -> OrderSync:
    """Import pages, or a bulk operation's result, until done or `time_budget` seconds are
    spent (waiting for Shopify to finish a bulk operation included); returns the progress
    row.

    Idempotent and safe to run concurrently (each page or download step is fetched and
    written under a per-store lock, from the cursor re-read inside it). Raises
    TransientCommerceError (progress kept, run again later) or CommerceError (failed).
    """
    client = client or ShopifyClient(store, max_wait=_background_wait())
    sync = _start(store, client)
    deadline = math.inf if time_budget is None else time.monotonic() + time_budget
    bulk_run = _BulkRun()
    while sync.status == OrderSyncStatus.RUNNING and time.monotonic() < deadline:
        try:
            if sync.mode == OrderSyncMode.PAGES:
                sync, page_size = _next_page(store, client, sync, page_size)
            else:
                sync, wait = _bulk_step(store, client, sync, deadline, bulk_run)
                if wait and time.monotonic() + wait >= deadline:
                    break  # the next run looks again
                if wait:
                    client.pause(wait)
        except TransientCommerceError as exc:
            _record_error(sync, str(exc), failed=False)
            raise
        except CommerceError as exc:
            _record_error(sync, str(exc), failed=True)
            raise
        if on_page is not None:
            on_page(sync)
    return sync


def _background_wait() -> float:
    return float(settings.SHOPIFY_BACKGROUND_MAX_WAIT_SECONDS)


def _sync_row(store: Store) -> OrderSync:
    sync, _ = OrderSync.objects.get_or_create(
        store=store, defaults={"window_days": settings.SHOPIFY_BACKFILL_DAYS}
    )
    return sync


def _start(store: Store, client: ShopifyClient) -> OrderSync:
    sync = _sync_row(store)
    if sync.status == OrderSyncStatus.DONE:
        return sync
    now = timezone.now()
    OrderSync.objects.filter(pk=sync.pk, started_at__isnull=True).update(started_at=now)
    OrderSync.objects.filter(pk=sync.pk).exclude(status=OrderSyncStatus.DONE).update(
        status=OrderSyncStatus.RUNNING, last_error=""
    )
    sync.refresh_from_db()
    if sync.total_estimate is None:
        data = client.execute(documents.ORDERS_COUNT, {"query": _window_query(sync)})
        count = ((data or {}).get("ordersCount") or {}).get("count")
        if isinstance(count, int):
            used = client.last_cost.actual if client.last_cost and client.last_cost.actual else 0
            values: dict[str, Any] = {
                "total_estimate": count,
                "points_used": F("points_used") + int(round(used)),
            }
            fresh = sync.mode == OrderSyncMode.PAGES and not sync.cursor and sync.imported == 0
            if fresh and count > settings.SHOPIFY_BULK_BACKFILL_THRESHOLD:
                values.update(BulkCursor().columns())
            OrderSync.objects.filter(pk=sync.pk, **_position(sync)).update(**values)
            sync.refresh_from_db()
    return sync


def _position(sync: OrderSync) -> dict[str, Any]:
    """A filter matching the row only while it stands where `sync` says it does."""
    bulk = BulkCursor.of(sync)
    return bulk.held() if bulk is not None else {"mode": sync.mode, "cursor": sync.cursor}


def _window_query(sync: OrderSync) -> str:
    started = sync.started_at or timezone.now()
    since = (started - timedelta(days=sync.window_days)).replace(microsecond=0)
    return f"created_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _next_page(
    store: Store, client: ShopifyClient, sync: OrderSync, page_size: int
) -> tuple[OrderSync, int]:
    try:
        with named_lock(f"shopify-backfill:{store.pk}", timeout=client.max_wait * 3 + 30, wait=5):
            sync.refresh_from_db()
            if sync.status != OrderSyncStatus.RUNNING:
                return sync, page_size
            page = _fetch(client, sync, page_size)
            _write_page(store, client, sync, page)
    except QueryTooExpensive:
        if page_size <= 1:
            raise
        logger.info("backfill page too expensive store_id=%s size=%s", store.pk, page_size)
        return sync, max(1, page_size // 2)
    except LockTimeout:
        raise ShopifyBusy("another backfill of this store holds the lock", retry_after=5) from None
    sync.refresh_from_db()
    return sync, page_size


def _fetch(client: ShopifyClient, sync: OrderSync, page_size: int) -> dict[str, Any]:
    data = client.execute(
        documents.ORDERS_PAGE,
        {
            "first": page_size,
            "after": sync.cursor or None,
            "query": _window_query(sync),
            **documents.PAGE.variables(),
        },
    )
    page = (data or {}).get("orders") or {}
    page["_points"] = client.last_cost.actual if client.last_cost and client.last_cost.actual else 0
    return dict(page)


def _write_page(store: Store, client: ShopifyClient, sync: OrderSync, page: dict[str, Any]) -> None:
    nodes = page.get("nodes") or []
    info = page.get("pageInfo") or {}
    points = float(page.get("_points") or 0)
    complete_nodes = []
    for node in nodes:
        mapped = mapping.order_from_node(node, sizes=documents.PAGE)
        if not mapped.complete:
            # Too many lines for a backfill page: fetch this one order in full.
            points_before = client.points_used
            full = _fetch_one(client, mapped.info.id)
            points += client.points_used - points_before
            if full is None or not full.complete:
                continue
            mapped = full
        complete_nodes.append(mapped)
    has_next = bool(info.get("hasNextPage"))
    with transaction.atomic():
        cache.order_snapshots_upsert(
            store=store, versions=[m.snapshot_version() for m in complete_nodes]
        )
        values: dict[str, Any] = {
            "cursor": info.get("endCursor") or sync.cursor,
            "imported": F("imported") + len(complete_nodes),
            "points_used": F("points_used") + int(round(points)),
            "updated_at": timezone.now(),
        }
        if not has_next:
            values.update(status=OrderSyncStatus.DONE, finished_at=timezone.now())
        OrderSync.objects.filter(pk=sync.pk).update(**values)


def _fetch_one(client: ShopifyClient, order_id: str) -> mapping.MappedOrder | None:
    data = client.execute(documents.ORDER_BY_ID, {"id": order_id, **documents.LIVE.variables()})
    node = (data or {}).get("order")
    return mapping.order_from_node(node, sizes=documents.LIVE) if node else None


# ---------------------------------------------------------------- bulk mode

# One download step holds the store's backfill lock at most this long.
BULK_STEP_SECONDS = 30.0
# A result URL refused this many times in a row: start the operation again.
_GONE_LIMIT = 3


@dataclass
class _BulkRun:
    """What one backfill_run remembers between its bulk steps."""

    polls: int = 0
    gone: int = 0


def _bulk_step(
    store: Store, client: ShopifyClient, sync: OrderSync, deadline: float, run: _BulkRun
) -> tuple[OrderSync, float]:
    """One move of a bulk backfill under the store's lock; returns the row and how long to
    wait before the next move (0: go on now)."""
    points = client.points_used
    try:
        with named_lock(f"shopify-backfill:{store.pk}", timeout=BULK_STEP_SECONDS + 90, wait=5):
            sync.refresh_from_db()
            cursor = BulkCursor.of(sync)
            if sync.status != OrderSyncStatus.RUNNING or cursor is None:
                return sync, 0.0
            wait = _bulk_move(store, client, sync, cursor, deadline, run)
    except LockTimeout:
        raise ShopifyBusy("another backfill of this store holds the lock", retry_after=5) from None
    except CursorMoved:
        wait = 1.0  # another worker is ahead; look again shortly
    finally:
        used = int(round(client.points_used - points))
        if used:
            OrderSync.objects.filter(pk=sync.pk).update(points_used=F("points_used") + used)
    sync.refresh_from_db()
    return sync, wait


def _bulk_move(
    store: Store,
    client: ShopifyClient,
    sync: OrderSync,
    cursor: BulkCursor,
    deadline: float,
    run: _BulkRun,
) -> float:
    if not cursor.operation_id:
        operation = bulk_start(client, _window_query(sync))
        _set_cursor(sync, cursor, BulkCursor(operation).columns())
        return poll_delay(0)
    status = bulk_status(client, cursor.operation_id)
    if status.waiting:
        run.polls += 1
        return poll_delay(run.polls - 1)
    if status.status == "COMPLETED" and not status.url:
        _finish_empty(sync, cursor)  # nothing matched the window
        return 0.0
    if status.status == "COMPLETED":
        return _download(store, client, sync, cursor, status.url, deadline, run)
    if status.status in ("EXPIRED", "GONE"):
        logger.info("bulk result expired, starting again store_id=%s", store.pk)
        _set_cursor(sync, cursor, BulkCursor().columns())
        return 0.0
    if status.error_code == "ACCESS_DENIED":
        raise BulkOperationFailed("Shopify denied the bulk operation access to the orders")
    logger.warning(
        "bulk operation %s (%s); continuing with pages store_id=%s",
        status.status,
        status.error_code,
        store.pk,
    )
    _set_cursor(sync, cursor, PAGES_COLUMNS)
    return 0.0


def _download(
    store: Store,
    client: ShopifyClient,
    sync: OrderSync,
    cursor: BulkCursor,
    url: str,
    deadline: float,
    run: _BulkRun,
) -> float:
    step_deadline = min(deadline, time.monotonic() + BULK_STEP_SECONDS)
    try:
        download_step(store, client, sync, cursor, url, deadline=step_deadline)
    except BulkFileGone:
        run.gone += 1
        if run.gone >= _GONE_LIMIT:
            _set_cursor(sync, cursor, BulkCursor().columns())
        return 1.0
    run.gone = 0
    return 0.0


def _set_cursor(sync: OrderSync, held: BulkCursor, position: dict[str, Any]) -> None:
    moved = OrderSync.objects.filter(pk=sync.pk, **held.held())
    if not moved.update(**position, updated_at=timezone.now()):
        raise CursorMoved(f"backfill of store {sync.store_id} moved on elsewhere")


def _finish_empty(sync: OrderSync, held: BulkCursor) -> None:
    moved = OrderSync.objects.filter(pk=sync.pk, **held.held())
    moved.update(status=OrderSyncStatus.DONE, finished_at=timezone.now())


# ---------------------------------------------------------------- errors


def _record_error(sync: OrderSync, message: str, *, failed: bool) -> None:
    values: dict[str, Any] = {"last_error": message[:500]}
    if failed:
        values["status"] = OrderSyncStatus.FAILED
    OrderSync.objects.filter(pk=sync.pk).update(**values)
    logger.warning(
        "shopify backfill error store_id=%s failed=%s error=%s", sync.store_id, failed, message
    )
