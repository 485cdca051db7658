"""Bulk query operations in the stand-in (shopify.dev/docs/api/usage/bulk-operations/queries).

`bulkOperationRunQuery(query:, groupObjects:)` checks the documented limits (a
connection at the root, at most five connections, nested at most two levels, no
top-level `node`/`nodes`, at most five operations running per shop since 2026-01) and
starts an operation; `node(id:)` / `currentBulkOperation` report it CREATED, RUNNING,
then COMPLETED with `url`, `objectCount`, `rootObjectCount`, `fileSize` (UnsignedInt64
values are JSON strings) or FAILED with `errorCode`. The run takes objects /
`objects_per_second` seconds of the shop's clock.

The result is a JSONL file written line by line (memory flat in the shop's size): one
object per line, connections' nodes on their own lines with `__parentId` set to the id
of the object that holds the connection, each parent followed by its children
(groupObjects). `download()` serves it with HTTP Range support, as the storage behind
Shopify's signed URLs does.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from graphql import FieldNode

from standins.shopify import graph
from standins.shopify.graph import Request, Resolver
from standins.shopify.shop import Shop

URL_TEMPLATE = (
    "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/"
    "bulk-operation-outputs/{shop}/{number}.jsonl?X-Goog-Signature=standin{number}"
)
MAX_CONNECTIONS = 5
MAX_DEPTH = 2
MAX_RUNNING = 5
_CHUNK = 64 * 1024


@dataclass
class BulkOperation:
    id: str
    number: int
    query: str
    started: float
    created_at: str
    status: str = "CREATED"
    error_code: str | None = None
    path: Path | None = None
    objects: int = 0
    roots: int = 0
    completed_at: str | None = None
    written: threading.Event | None = None


class BulkOperations:
    def __init__(
        self,
        shop: Shop,
        *,
        objects_per_second: float = 5_000.0,
        url_template: str = URL_TEMPLATE,
        directory: str | None = None,
        background: bool = False,
    ) -> None:
        self.shop = shop
        # Write the file on a thread (the bench: Shopify works while we poll) or at once
        # (tests: the operation's progress then depends on the shop's clock alone).
        self.background = background
        self.objects_per_second = objects_per_second
        self.url_template = url_template
        self._directory = directory
        self.operations: dict[str, BulkOperation] = {}
        self._slug = shop.domain.split(".")[0]
        self.url_prefix = url_template.split("{number}")[0].format(shop=self._slug)
        # Test hooks: the next operation fails with this errorCode; the next download
        # breaks off (httpx.ReadError) after this many bytes.
        self.fail_next: str | None = None
        self.break_download_after: int | None = None
        self.honour_range = True
        self.downloads: list[dict[str, Any]] = []

    def resolvers(self) -> dict[str, Resolver]:
        return {
            "bulkOperationRunQuery": self.run_query,
            "node": self.node,
            "currentBulkOperation": self.current,
        }

    # ------------------------------------------------------------ starting

    def run_query(self, args: dict[str, Any]) -> dict[str, Any]:
        text = str(args.get("query") or "")
        try:
            request = graph.parse_request(text, {})
            problem = _limits(request)
        except graph.GraphQLRequestError as exc:
            problem = str(exc)
        if problem:
            error = {"field": ["query"], "message": problem, "code": "INVALID"}
            return {"bulkOperation": None, "userErrors": [error]}
        running = [o for o in self.operations.values() if o.status in ("CREATED", "RUNNING")]
        if len(running) >= MAX_RUNNING:
            error = {
                "field": None,
                "message": "Bulk operations limit reached. Please try again later.",
                "code": "LIMIT_REACHED",
            }
            return {"bulkOperation": None, "userErrors": [error]}
        operation = self._start(text, request)
        return {"bulkOperation": self._node(operation), "userErrors": []}

    def _start(self, text: str, request: Request) -> BulkOperation:
        number = len(self.operations) + 1
        operation = BulkOperation(
            id=f"gid://shopify/BulkOperation/{number}",
            number=number,
            query=text,
            started=self.shop.clock(),
            created_at=_now_iso(self.shop),
            written=threading.Event(),
        )
        self.operations[operation.id] = operation
        failure, self.fail_next = self.fail_next, None
        if self.background:
            worker = threading.Thread(
                target=self._write, args=(operation, request, failure), daemon=True
            )
            worker.start()
        else:
            self._write(operation, request, failure)
        return operation

    # ------------------------------------------------------------ status

    def node(self, args: dict[str, Any]) -> dict[str, Any] | None:
        operation = self.operations.get(str(args.get("id")))
        return self._node(operation) if operation else None

    def current(self, args: dict[str, Any]) -> dict[str, Any] | None:
        if not self.operations:
            return None
        return self._node(list(self.operations.values())[-1])

    def _node(self, op: BulkOperation) -> dict[str, Any]:
        self._advance(op)
        done = op.status == "COMPLETED"
        size = op.path.stat().st_size if done and op.path else None
        return {
            "__typename": "BulkOperation",
            "id": op.id,
            "status": op.status,
            "errorCode": op.error_code,
            "createdAt": op.created_at,
            "completedAt": op.completed_at,
            "objectCount": str(op.objects if done else self._progress(op)),
            "rootObjectCount": str(op.roots if done else 0),
            "fileSize": str(size) if size is not None else None,
            "url": self.url_template.format(shop=self._slug, number=op.number) if done else None,
            "partialDataUrl": None,
            "query": op.query,
            "type": "QUERY",
        }

    def _progress(self, op: BulkOperation) -> int:
        elapsed = max(0.0, self.shop.clock() - op.started)
        return int(min(op.objects, elapsed * self.objects_per_second)) if op.objects else 0

    def _advance(self, op: BulkOperation) -> None:
        if op.status not in ("CREATED", "RUNNING") or op.written is None:
            return
        if not op.written.is_set():
            op.status = "RUNNING"
            return
        if self.shop.clock() - op.started < op.objects / self.objects_per_second:
            op.status = "RUNNING"
            return
        op.status = "FAILED" if op.error_code else "COMPLETED"
        op.completed_at = None if op.error_code else _now_iso(self.shop)

    # ------------------------------------------------------------ the JSONL file

    @property
    def directory(self) -> str:
        """Where result files go, made on the first operation (most shops never run one)."""
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="standin-bulk-")
        return self._directory

    def _write(self, op: BulkOperation, request: Request, failure: str | None) -> None:
        root = request.root_fields()[0]
        node_field = _node_field(request, root)
        path = Path(self.directory) / f"{op.number}.jsonl"
        objects = roots = 0
        args = request.args(root)
        with path.open("w", encoding="utf-8") as out:
            for order in self.shop.find_orders(str(args.get("query") or ""), "ID"):
                shaped = graph.project(request, node_field, self.shop.order_node(order))
                for line in _lines(request, node_field, shaped, None):
                    out.write(json.dumps(line, separators=(",", ":")) + "\n")
                    objects += 1
                roots += 1
        op.path, op.objects, op.roots = path, objects, roots
        op.error_code = failure
        assert op.written is not None
        op.written.set()

    def wait_written(self, timeout: float = 30.0) -> None:
        for op in self.operations.values():
            if op.written is not None:
                op.written.wait(timeout)

    def download(self, request: httpx.Request) -> httpx.Response:
        """The signed URL's GET: the file, or its tail for `Range: bytes=N-`."""
        number = request.url.path.rsplit("/", 1)[-1].split(".")[0]
        op = next((o for o in self.operations.values() if str(o.number) == number), None)
        if op is None or op.status != "COMPLETED" or op.path is None:
            return httpx.Response(404, text="NoSuchKey")
        size = op.path.stat().st_size
        start = _range_start(request.headers.get("Range")) if self.honour_range else 0
        self.downloads.append({"operation": op.id, "start": start, "at": self.shop.clock()})
        breaks, self.break_download_after = self.break_download_after, None
        chunks = _chunks(op.path, start, breaks)
        headers = {"Content-Length": str(size - start), "Content-Type": "application/jsonl"}
        if start:
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        return httpx.Response(206 if start else 200, headers=headers, content=chunks)

    def cleanup(self) -> None:
        for op in self.operations.values():
            if op.path is not None and op.path.exists():
                op.path.unlink()
        if self._directory and os.path.isdir(self._directory) and not os.listdir(self._directory):
            os.rmdir(self._directory)


def _now_iso(shop: Shop) -> str:
    return datetime.fromtimestamp(int(shop.clock()), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _range_start(header: str | None) -> int:
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return 0
    value = header[len("bytes=") : -1]
    return int(value) if value.isdigit() else 0


def _chunks(path: Path, start: int, break_after: int | None) -> Iterator[bytes]:
    sent = 0
    with path.open("rb") as source:
        source.seek(start)
        while chunk := source.read(_CHUNK if break_after is None else min(_CHUNK, 4096)):
            if break_after is not None and sent + len(chunk) > break_after:
                yield chunk[: max(0, break_after - sent)]
                raise httpx.ReadError("connection reset by peer")
            sent += len(chunk)
            yield chunk


# ---------------------------------------------------------------- query shape


def _is_connection(request: Request, field: FieldNode) -> bool:
    names = {f.name.value for f in request._fields(field.selection_set, None)}
    return bool(field.selection_set) and bool(names & {"edges", "nodes"})


def _node_field(request: Request, connection: FieldNode) -> FieldNode:
    """The field whose selection is one node of a connection (`nodes`, or `edges.node`)."""
    for sub in request._fields(connection.selection_set, None):
        if sub.name.value == "nodes":
            return sub
        if sub.name.value == "edges":
            for inner in request._fields(sub.selection_set, None):
                if inner.name.value == "node":
                    return inner
    raise graph.GraphQLRequestError("a connection needs nodes or edges", "INVALID")


def _limits(request: Request) -> str:
    roots = request.root_fields()
    if len(roots) != 1 or roots[0].name.value in ("node", "nodes"):
        return "Bulk queries must contain one top-level connection field other than node/nodes"
    if not _is_connection(request, roots[0]) or roots[0].name.value != "orders":
        return "Bulk queries must start with a connection (the stand-in knows orders)"
    count, depth = _connections(request, roots[0], 1)
    if count > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections"
    if depth > MAX_DEPTH:
        return f"Bulk queries cannot contain connections nested more than {MAX_DEPTH} levels"
    return ""


def _connections(request: Request, field: FieldNode, depth: int) -> tuple[int, int]:
    levels = [level for _, level in _descendants(request, _node_field(request, field), depth)]
    return 1 + len(levels), max([depth, *levels])


def _descendants(request: Request, field: FieldNode, depth: int) -> Iterator[tuple[FieldNode, int]]:
    for sub in request._fields(field.selection_set, None):
        if sub.selection_set is None:
            continue
        if _is_connection(request, sub):
            yield sub, depth + 1
            yield from _descendants(request, _node_field(request, sub), depth + 1)
        else:
            yield from _descendants(request, sub, depth)


def _lines(
    request: Request, field: FieldNode, obj: Any, parent: str | None
) -> Iterator[dict[str, Any]]:
    """One object and, after it, the nodes of every connection inside it, each with
    `__parentId`: the id of the closest object above it that has one."""
    clean, children = _split(request, field, obj, obj.get("id") or parent)
    if parent is not None:
        clean["__parentId"] = parent
    yield clean
    yield from children


def _split(
    request: Request, field: FieldNode, obj: dict[str, Any], owner: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    clean: dict[str, Any] = {}
    children: list[dict[str, Any]] = []
    for sub in request._fields(field.selection_set, obj):
        key = sub.alias.value if sub.alias else sub.name.value
        value = obj.get(key)
        if sub.selection_set is None or value is None:
            clean[key] = value
        elif _is_connection(request, sub):
            node_field = _node_field(request, sub)
            nodes = value.get("nodes") or [e["node"] for e in value.get("edges") or []]
            for node in nodes:
                children.extend(_lines(request, node_field, node, owner))
        elif isinstance(value, list):
            items = []
            for item in value:
                inner, grand = _split(request, sub, item, item.get("id") or owner)
                items.append(inner)
                children.extend(grand)
            clean[key] = items
        else:
            inner, grand = _split(request, sub, value, value.get("id") or owner)
            clean[key] = inner
            children.extend(grand)
    return clean, children
