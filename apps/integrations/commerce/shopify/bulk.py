"""The bulk-operation backfill: one `bulkOperationRunQuery` instead of thousands of pages.

Shopify runs the orders query of documents.BULK_ORDERS_QUERY on its side (no points
beyond the mutation and the status polls) and writes the result as a JSONL file; we
poll `node(id:)` with backoff until it is COMPLETED, then stream the file
(bulk_download.py). Progress lives in OrderSync's bulk_* columns (a BulkCursor): which
operation, and how many lines (and bytes) of its file are already in the snapshot, so a
crash anywhere resumes the same operation and skips what was written.

What can happen to an operation, and what we do:
* CREATED / RUNNING: wait and look again (1, 2, 4, ... 30 s);
* COMPLETED: download (no `url` means no orders matched: done);
* EXPIRED, or unknown to Shopify (files are kept 7 days): start a new one;
* FAILED with ACCESS_DENIED: the backfill fails (the paged path would be refused too);
* FAILED otherwise (TIMEOUT, INTERNAL_SERVER_ERROR) or CANCELED: continue with pages;
* userErrors LIMIT_REACHED / OPERATION_IN_PROGRESS: busy, try again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from apps.integrations.commerce.base import CommerceError
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyBusy, ShopifyGraphQLError
from apps.orders.models import OrderSync, OrderSyncMode

logger = logging.getLogger(__name__)

POLL_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_BUSY_CODES = {"LIMIT_REACHED", "OPERATION_IN_PROGRESS"}
_WAITING = {"CREATED", "RUNNING", "CANCELING"}


@dataclass(frozen=True)
class BulkCursor:
    """Where a bulk backfill stands. An empty operation id: none started yet."""

    operation_id: str = ""
    lines: int = 0  # JSONL lines whose orders are in the snapshot
    offset: int = 0  # byte offset of the next line (for an HTTP Range request)

    @classmethod
    def of(cls, sync: OrderSync) -> BulkCursor | None:
        """The BulkCursor a progress row holds, or None while it pages."""
        if sync.mode != OrderSyncMode.BULK:
            return None
        return cls(sync.bulk_operation_id, lines=sync.bulk_lines, offset=sync.bulk_offset)

    def columns(self) -> dict[str, Any]:
        """The progress row's values for this position (the page cursor is then unused)."""
        return {**self.held(), "cursor": ""}

    def held(self) -> dict[str, Any]:
        """A filter matching a row at exactly this position, for compare-and-set."""
        return {
            "mode": OrderSyncMode.BULK,
            "bulk_operation_id": self.operation_id,
            "bulk_lines": self.lines,
            "bulk_offset": self.offset,
        }


# The progress row's values when it goes back to paging (from the first page).
PAGES_COLUMNS: dict[str, Any] = {
    "mode": OrderSyncMode.PAGES,
    "cursor": "",
    "bulk_operation_id": "",
    "bulk_lines": 0,
    "bulk_offset": 0,
}


@dataclass(frozen=True)
class BulkStatus:
    operation_id: str
    status: str  # CREATED RUNNING COMPLETED FAILED CANCELING CANCELED EXPIRED, or GONE
    error_code: str = ""
    url: str = ""
    object_count: int = 0
    root_count: int = 0

    @property
    def waiting(self) -> bool:
        return self.status in _WAITING


class BulkOperationFailed(CommerceError):
    """Shopify refused the bulk query or failed it for good (ACCESS_DENIED)."""


def bulk_start(client: ShopifyClient, search: str) -> str:
    """Start the bulk query over the orders `search` matches; returns the operation id.

    Raises ShopifyBusy when the shop already runs as many operations as it may, and
    BulkOperationFailed when Shopify refuses the query itself.
    """
    data = client.execute(documents.BULK_ORDERS_RUN, {"query": documents.bulk_orders_query(search)})
    payload = (data or {}).get("bulkOperationRunQuery") or {}
    errors = payload.get("userErrors") or []
    codes = {str(e.get("code") or "") for e in errors if isinstance(e, dict)}
    if codes & _BUSY_CODES:
        raise ShopifyBusy("the shop runs as many bulk operations as it may", retry_after=60)
    if errors:
        message = "; ".join(str(e.get("message") or "") for e in errors if isinstance(e, dict))
        raise BulkOperationFailed(f"Shopify refused the bulk query: {message[:300]}")
    operation = payload.get("bulkOperation") or {}
    if not operation.get("id"):
        raise ShopifyGraphQLError("bulkOperationRunQuery returned no operation", code="BAD_SHAPE")
    logger.info("bulk backfill started shop=%s operation=%s", client.store.domain, operation["id"])
    return str(operation["id"])


def bulk_status(client: ShopifyClient, operation_id: str) -> BulkStatus:
    """The operation as Shopify reports it now (GONE when Shopify no longer knows it)."""
    data = client.execute(documents.BULK_OPERATION_STATUS, {"id": operation_id})
    node: dict[str, Any] = (data or {}).get("node") or {}
    if not node.get("status"):
        return BulkStatus(operation_id=operation_id, status="GONE")
    return BulkStatus(
        operation_id=operation_id,
        status=str(node["status"]),
        error_code=str(node.get("errorCode") or ""),
        url=str(node.get("url") or ""),
        # UnsignedInt64 values arrive as JSON strings.
        object_count=_count(node.get("objectCount")),
        root_count=_count(node.get("rootObjectCount")),
    )


def poll_delay(polls: int) -> float:
    return POLL_DELAYS[min(polls, len(POLL_DELAYS) - 1)]


def _count(value: Any) -> int:
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return 0
