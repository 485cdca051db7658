"""The bulk-operation backfill: one `bulkOperationRunQuery` instead of thousands of pages.

Shopify runs the orders query of documents.BULK_ORDERS_QUERY on its side (no points
beyond the mutation and the status polls) and writes the result as a JSONL file; we
poll `node(id:)` with backoff until it is COMPLETED, then stream the file
(bulk_download.py). Progress lives in `OrderSync.cursor` as a BulkCursor: which
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

import json
import logging
from dataclasses import dataclass
from typing import Any

from apps.integrations.commerce.base import CommerceError
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyBusy, ShopifyGraphQLError

logger = logging.getLogger(__name__)

_PREFIX = "bulk:"
POLL_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_BUSY_CODES = {"LIMIT_REACHED", "OPERATION_IN_PROGRESS"}
_WAITING = {"CREATED", "RUNNING", "CANCELING"}


@dataclass(frozen=True)
class BulkCursor:
    """Where a bulk backfill stands. An empty operation id: none started yet."""

    operation_id: str = ""
    lines: int = 0  # JSONL lines whose orders are in the snapshot
    offset: int = 0  # byte offset of the next line (for an HTTP Range request)

    def dump(self) -> str:
        payload = {"operation": self.operation_id, "lines": self.lines, "offset": self.offset}
        return _PREFIX + json.dumps(payload, separators=(",", ":"))

    @classmethod
    def parse(cls, cursor: str) -> BulkCursor | None:
        """The BulkCursor a cursor holds, or None for a page cursor (or none at all)."""
        if not cursor.startswith(_PREFIX):
            return None
        try:
            payload = json.loads(cursor[len(_PREFIX) :])
            return cls(
                operation_id=str(payload.get("operation") or ""),
                lines=max(0, int(payload.get("lines") or 0)),
                offset=max(0, int(payload.get("offset") or 0)),
            )
        except (ValueError, TypeError, AttributeError):
            # A mangled cursor: start a new operation (upserts make repeats harmless).
            return cls()


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
