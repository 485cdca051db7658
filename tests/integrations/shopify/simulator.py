"""An in-memory stand-in for one shop's GraphQL Admin API, with Shopify's cost-based
leaky bucket, answering the read operations of `documents.py` in documented shapes.

Used by bench/shopify.py (served over a local HTTP server). Costs follow Shopify's rules:
the requested cost is taken from the bucket before the query runs (THROTTLED, HTTP 200,
when the bucket holds less), and the difference to the actual cost (what was returned)
is given back afterwards.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from apps.integrations.commerce.shopify import documents


def order_actual_cost(node: dict[str, Any]) -> int:
    lines = len(node["lineItems"]["nodes"])
    fulfillments = sum(
        1 + len(f["trackingInfo"]) + 2 + len(f["events"]["nodes"]) for f in node["fulfillments"]
    )
    return 1 + 1 + 10 + 1 + (2 + lines * 5 + 1) + fulfillments + 3 * len(node["refunds"])


class ShopSimulator:
    def __init__(
        self,
        *,
        maximum: float = 1000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = maximum
        self._ts = clock()
        self._lock = threading.Lock()
        self.orders: list[dict[str, Any]] = []  # oldest first (sortKey CREATED_AT)
        self._by_id: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.throttled = 0
        self.points = 0.0

    def add_order(self, node: dict[str, Any]) -> None:
        self.orders.append(node)
        self._by_id[node["id"]] = node

    # ------------------------------------------------------------ the bucket

    def _take(self, requested: float) -> float | None:
        with self._lock:
            now = self._clock()
            elapsed = now - self._ts
            self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
            self._ts = now
            self.requests += 1
            if self._available < requested:
                self.throttled += 1
                return None
            self._available -= requested
            return self._available

    def _give_back(self, amount: float) -> float:
        with self._lock:
            self._available = min(self.maximum, self._available + amount)
            return self._available

    def _cost(self, requested: float, actual: float | None, available: float) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum,
                    "currentlyAvailable": available,
                    "restoreRate": self.restore_rate,
                },
            }
        }

    # ------------------------------------------------------------ requests

    def handle(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("operationName") or ""
        variables = body.get("variables") or {}
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            return {
                "errors": [
                    {
                        "message": f"unknown operation {name}",
                        "extensions": {"code": "undefinedField"},
                    }
                ]
            }
        requested = float(self._requested(name, variables))
        left = self._take(requested)
        if left is None:
            return {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": self._cost(requested, None, self._available),
            }
        data, actual = handler(variables)
        self.points += actual
        available = self._give_back(requested - actual)
        return {"data": data, "extensions": self._cost(requested, actual, available)}

    def _requested(self, name: str, variables: dict[str, Any]) -> int:
        line_items = int(variables.get("lineItems") or documents.LINE_ITEMS_LIVE)
        per_order = documents.order_cost(line_items)
        if name in ("OrdersSearch", "OrdersPage"):
            return 3 + int(variables.get("first") or 1) * per_order
        if name == "OrderById":
            return 1 + per_order
        return 1

    def _op_OrdersCount(self, variables: dict[str, Any]) -> tuple[Any, int]:  # noqa: N802
        return {"ordersCount": {"count": len(self.orders), "precision": "EXACT"}}, 1

    def _op_OrderById(self, variables: dict[str, Any]) -> tuple[Any, int]:  # noqa: N802
        node = self._by_id.get(variables["id"])
        return {"order": node}, 1 + (order_actual_cost(node) if node else 0)

    def _op_OrdersSearch(self, variables: dict[str, Any]) -> tuple[Any, int]:  # noqa: N802
        found = [o for o in reversed(self.orders) if _matches(o, variables["query"])]
        nodes = found[: int(variables["first"])]
        return {"orders": {"nodes": nodes}}, 2 + sum(order_actual_cost(n) for n in nodes)

    def _op_OrdersPage(self, variables: dict[str, Any]) -> tuple[Any, int]:  # noqa: N802
        start = int(variables.get("after") or 0)
        nodes = self.orders[start : start + int(variables["first"])]
        end = start + len(nodes)
        page = {
            "pageInfo": {"hasNextPage": end < len(self.orders), "endCursor": str(end)},
            "nodes": nodes,
        }
        return {"orders": page}, 3 + sum(order_actual_cost(n) for n in nodes)


_NAME = re.compile(r"^name:#?(\d+)$")


def _matches(order: dict[str, Any], query: str) -> bool:
    match = _NAME.match(query.strip())
    if match:
        return order["name"].lstrip("#") == match.group(1)
    email = re.match(r'^email:"(.*)"$', query.strip())
    if email:
        return (order.get("email") or "").lower() == email.group(1).lower()
    return False
