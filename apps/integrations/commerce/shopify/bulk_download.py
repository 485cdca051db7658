"""Streaming a bulk operation's JSONL file into the order snapshot, memory flat.

The file holds one object per line; an order's line items (and its fulfillments'
events and line items, its refunds' line items) follow it on lines of their own, joined
by `__parentId` to the object that holds them (groupObjects: the children of an order
come right after it). So the file is read in chunks, split into lines, and each order
is complete when the next order's line begins: only that one order is ever assembled.

Orders are upserted in batches of BATCH_ORDERS, each batch in one transaction with the
cursor moved to the first line after it (its number, and its byte offset), compare-and-
set against the cursor the step started from: a second worker on the same backfill
makes one of them stop, never both write. A crash mid-batch rolls the batch back; the
next step asks for the file from the saved byte offset (HTTP Range; without Range
support it skips the saved number of lines) and goes on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.http import http_client
from apps.integrations.commerce.base import CommerceError, TransientCommerceError
from apps.integrations.commerce.shopify import cache, documents, mapping
from apps.integrations.commerce.shopify.bulk import BulkCursor
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyGraphQLError
from apps.orders.models import OrderSync, OrderSyncStatus
from apps.stores.models import Store

logger = logging.getLogger(__name__)

BATCH_ORDERS = 200
MAX_LINE_BYTES = 8 * 1024 * 1024
_READ_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_ORDER_GID = "gid://shopify/Order/"
_EXPIRED_STATUSES = {403, 404, 410}


class BulkFileGone(TransientCommerceError):
    """The result URL no longer serves the file (expired): ask Shopify for a fresh one."""


class CursorMoved(Exception):
    """Another worker moved this backfill on since the step began: stop, it is ahead."""


@dataclass(frozen=True)
class StepResult:
    cursor: BulkCursor
    finished: bool
    imported: int = 0


# ---------------------------------------------------------------- lines


def jsonl_lines(chunks: Iterable[bytes], start: int) -> Iterator[tuple[bytes, int, int]]:
    """(line, offset of its first byte, offset after its newline) for each line."""
    buffer = bytearray()
    offset = start
    for chunk in chunks:
        buffer.extend(chunk)
        while (end := buffer.find(b"\n")) >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            yield line, offset, offset + end + 1
            offset += end + 1
        if len(buffer) > MAX_LINE_BYTES:
            raise CommerceError("a bulk result line is longer than we accept")
    if buffer.strip():
        yield bytes(buffer), offset, offset + len(buffer)


# ---------------------------------------------------------------- assembling orders


class OrderAssembler:
    """Joins an order's lines back into one OrderSnapshot-shaped node."""

    def __init__(self) -> None:
        self.order: dict[str, Any] | None = None
        self._owners: dict[str, tuple[str, dict[str, Any]]] = {}
        # Parents of lines that came away from their order (never with groupObjects).
        self.orphans: set[str] = set()

    def start(self, order: dict[str, Any]) -> None:
        order["lineItems"] = _connection()
        self.order = order
        self._owners = {str(order.get("id")): ("order", order)}
        for fulfillment in order.get("fulfillments") or []:
            fulfillment["events"] = {"nodes": []}
            fulfillment["fulfillmentLineItems"] = _connection()
            self._owners[str(fulfillment.get("id"))] = ("fulfillment", fulfillment)
        for refund in order.get("refunds") or []:
            refund["refundLineItems"] = _connection()
            self._owners[str(refund.get("id"))] = ("refund", refund)

    def attach(self, child: dict[str, Any], parent: str) -> None:
        kind, owner = self._owners.get(parent, ("", {}))
        if kind == "order":
            owner["lineItems"]["nodes"].append(child)
        elif kind == "refund":
            owner["refundLineItems"]["nodes"].append(child)
        elif kind == "fulfillment" and "happenedAt" in child:
            _keep_latest(owner["events"], child)
        elif kind == "fulfillment":
            owner["fulfillmentLineItems"]["nodes"].append(child)
        else:
            self.orphans.add(parent)

    def take(self) -> dict[str, Any] | None:
        order, self.order, self._owners = self.order, None, {}
        return order


def _connection() -> dict[str, Any]:
    return {"pageInfo": {"hasNextPage": False}, "nodes": []}


def _keep_latest(events: dict[str, Any], event: dict[str, Any]) -> None:
    """Only the newest event is used; a parcel's whole history is never held."""
    held = events["nodes"]
    if not held or str(event.get("happenedAt") or "") >= str(held[0].get("happenedAt") or ""):
        events["nodes"] = [event]


# ---------------------------------------------------------------- one download step


def download_step(
    store: Store,
    client: ShopifyClient,
    sync: OrderSync,
    cursor: BulkCursor,
    url: str,
    *,
    deadline: float,
) -> StepResult:
    """Import from `cursor` on until the file ends or `deadline` (time.monotonic) passes.

    Raises BulkFileGone (URL expired), TransientCommerceError (network; progress kept),
    CursorMoved (another worker is ahead).
    """
    # Identity encoding: byte offsets must be the stored file's, for Range to mean them.
    headers = {"Accept-Encoding": "identity"}
    if cursor.offset:
        headers["Range"] = f"bytes={cursor.offset}-"
    try:
        with (
            http_client(timeout=_READ_TIMEOUT) as http,
            http.stream("GET", url, headers=headers) as response,
        ):
            return _consume(store, client, sync, cursor, response, deadline)
    except httpx.TransportError as exc:
        raise TransientCommerceError(
            f"the bulk result download broke off ({type(exc).__name__})"
        ) from None


def _consume(
    store: Store,
    client: ShopifyClient,
    sync: OrderSync,
    cursor: BulkCursor,
    response: httpx.Response,
    deadline: float,
) -> StepResult:
    if response.status_code in _EXPIRED_STATUSES:
        raise BulkFileGone(f"the bulk result is gone (HTTP {response.status_code})")
    if response.status_code not in (200, 206):
        raise TransientCommerceError(f"the bulk result answered HTTP {response.status_code}")
    resumed = response.status_code == 206
    writer = _BatchWriter(store, client, sync, cursor)
    assembler = OrderAssembler()
    number = cursor.lines if resumed else 0
    end = cursor.offset if resumed else 0
    for raw, begins, after in jsonl_lines(response.iter_bytes(), end):
        number, end = number + 1, after
        if number <= cursor.lines or not raw.strip():
            continue  # already in the snapshot (a server without Range support)
        item = _decode(raw, number)
        parent = item.pop("__parentId", None)
        if parent is not None:
            assembler.attach(item, str(parent))
            continue
        writer.add(assembler.take(), assembler.orphans)
        boundary = BulkCursor(cursor.operation_id, lines=number - 1, offset=begins)
        out_of_time = time.monotonic() >= deadline and writer.batch
        if writer.full() or out_of_time:
            writer.flush(boundary)
            if out_of_time:
                return StepResult(writer.cursor, finished=False, imported=writer.imported)
        assembler.start(item)
    writer.add(assembler.take(), assembler.orphans)
    writer.flush(BulkCursor(cursor.operation_id, lines=number, offset=end), finished=True)
    return StepResult(writer.cursor, finished=True, imported=writer.imported)


def _decode(raw: bytes, number: int) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except ValueError:
        raise CommerceError(f"bulk result line {number} is not JSON") from None
    if not isinstance(item, dict):
        raise CommerceError(f"bulk result line {number} is not an object")
    return item


class _BatchWriter:
    """Collects assembled orders and writes them with the cursor, all or nothing."""

    def __init__(
        self, store: Store, client: ShopifyClient, sync: OrderSync, cursor: BulkCursor
    ) -> None:
        self.store = store
        self.client = client
        self.sync = sync
        self.cursor = cursor
        self.batch: list[mapping.MappedOrder] = []
        self.orphans: set[str] = set()
        self.imported = 0

    def add(self, node: dict[str, Any] | None, orphans: set[str]) -> None:
        self.orphans |= orphans
        orphans.clear()
        if node is None:
            return
        try:
            self.batch.append(mapping.order_from_node(node, sizes=None))
        except ShopifyGraphQLError:
            # One malformed order must not stop ten thousand good ones.
            logger.warning("bulk backfill skipped a malformed order store_id=%s", self.store.pk)

    def full(self) -> bool:
        return len(self.batch) >= BATCH_ORDERS

    def flush(self, cursor: BulkCursor, *, finished: bool = False) -> None:
        refetched = self._refetch_orphans()
        values: dict[str, Any] = {
            **cursor.columns(),
            "imported": F("imported") + len(self.batch),
            "updated_at": timezone.now(),
        }
        if finished:
            values.update(status=OrderSyncStatus.DONE, finished_at=timezone.now())
        with transaction.atomic():
            cache.order_snapshots_upsert(
                store=self.store,
                versions=[m.snapshot_version() for m in [*self.batch, *refetched]],
            )
            moved = OrderSync.objects.filter(pk=self.sync.pk, **self.cursor.held())
            if not moved.update(**values):
                raise CursorMoved(f"backfill of store {self.store.pk} moved on elsewhere")
        self.imported += len(self.batch)
        self.batch, self.cursor = [], cursor

    def _refetch_orphans(self) -> list[mapping.MappedOrder]:
        """Orders whose lines came apart are read whole through the API instead."""
        found = []
        for order_id in sorted(o for o in self.orphans if o.startswith(_ORDER_GID)):
            data = self.client.execute(
                documents.ORDER_BY_ID, {"id": order_id, **documents.LIVE.variables()}
            )
            node = (data or {}).get("order")
            if node:
                mapped = mapping.order_from_node(node, sizes=documents.LIVE)
                if mapped.complete:
                    found.append(mapped)
        if self.orphans:
            logger.warning(
                "bulk result lines without their order store_id=%s parents=%s refetched=%s",
                self.store.pk,
                len(self.orphans),
                len(found),
            )
        self.orphans = set()
        return found
