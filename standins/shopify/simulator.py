"""A stateful stand-in for one shop's GraphQL Admin API (tests and bench/shopify.py).

It accepts only the operations of `documents.py`, by name and exact text (anything else
is answered with the error Shopify gives an unknown field), executes them over the
shop's records (standin/shop.py reads, standin/writes.py mutations, standin/bulk.py
bulk operations) and answers `{"data": ..., "extensions": {"cost": ...}}` shaped by the
query. Shopify's cost-based leaky bucket is enforced: the requested cost must be in the
bucket before a query runs (THROTTLED, HTTP 200, when it is not), the difference to the
actual cost is given back afterwards, the bucket refills at `restore_rate` points/s.

Mount it behind respx (`mount(router)`) or serve it over HTTP (`handle(body)`).
State persists across calls: a refund shows on the order afterwards, a key already used
returns the first refund, a cancelled order stays cancelled. Behind respx every call is
logged (`calls`, `sent`, `ops`), and an operation can be scripted instead (`on`, see
script.py) for an answer the shop's state would not give, or an API it does not model.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import respx

from apps.integrations.commerce.shopify import documents
from standins.shopify import endpoint, graph
from standins.shopify.bulk import BulkOperations
from standins.shopify.script import Answer, Call, Script
from standins.shopify.shop import Shop
from standins.shopify.writes import Writes

DOCUMENTED = {op.name: op for op in documents.ALL_OPERATIONS}
_INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class ShopSimulator:
    def __init__(
        self,
        domain: str = "standin.myshopify.com",
        *,
        maximum: float = 1000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
        token: str | None = None,
        bulk_objects_per_second: float = 5_000.0,
        bulk_url_template: str | None = None,
        bulk_in_background: bool = False,
    ) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = maximum
        self._ts = clock()
        self._lock = threading.Lock()  # the bucket
        self._state = threading.Lock()  # one request changes the shop at a time
        self.token = token
        self.shop = Shop(domain, clock=clock)
        self.writes = Writes(self.shop)
        bulk_args: dict[str, Any] = {
            "objects_per_second": bulk_objects_per_second,
            "background": bulk_in_background,
        }
        if bulk_url_template:
            bulk_args["url_template"] = bulk_url_template
        self.bulk = BulkOperations(self.shop, **bulk_args)
        self._queries = self.shop.resolvers() | {
            "node": self.bulk.node,
            "currentBulkOperation": self.bulk.current,
        }
        self._mutations = self.writes.resolvers() | {"bulkOperationRunQuery": self.bulk.run_query}
        self.requests = 0
        self.throttled = 0
        self.points = 0.0
        self.operations: list[str] = []
        self.script = Script()

    # ------------------------------------------------------------ scripted answers, calls

    def on(self, operation: str, *answers: Answer | list[Answer]) -> None:
        self.script.on(operation, *answers)

    @property
    def calls(self) -> list[Call]:
        return self.script.calls

    def sent(self, operation: str) -> list[dict[str, Any]]:
        return self.script.sent(operation)

    def ops(self) -> list[str]:
        return self.script.ops()

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
            self._available = min(self.maximum, self._available + max(0.0, amount))
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
        """One POST body -> the JSON answer (always HTTP 200, like Shopify's GraphQL)."""
        name = str(body.get("operationName") or "")
        try:
            request = self._documented(name, body)
        except graph.GraphQLRequestError as exc:
            return _errors(str(exc), exc.code)
        self.operations.append(name)
        requested = float(graph.requested_cost(request))
        left = self._take(requested)
        if left is None:
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": self._cost(requested, None, self._available),
            }
        try:
            with self._state:
                roots = self._mutations if request.is_mutation else self._queries
                data = graph.execute(request, roots)
        except graph.GraphQLRequestError as exc:
            self._give_back(requested)
            return _errors(str(exc), exc.code) | {"extensions": self._cost(requested, 0, left)}
        actual = float(graph.actual_cost(request, data))
        self.points += actual
        available = self._give_back(requested - actual)
        return {"data": data, "extensions": self._cost(requested, actual, available)}

    def _documented(self, name: str, body: dict[str, Any]) -> graph.Request:
        operation = DOCUMENTED.get(name)
        if operation is None or body.get("query") != operation.document:
            raise graph.GraphQLRequestError(
                f"Field '{name or 'unknown'}' doesn't exist on type 'QueryRoot'", "undefinedField"
            )
        return graph.parse_request(operation.document, body.get("variables") or {}, name)

    def respond(self, request: httpx.Request) -> httpx.Response:
        """The respx side effect for the shop's GraphQL endpoint."""
        body = json.loads(request.content)
        call = self.script.record(request, body)
        scripted = self.script.scripted(call)
        if isinstance(scripted, httpx.Response):
            return scripted
        if scripted is not None:
            return httpx.Response(
                200, json={"data": scripted, "extensions": self._cost(10, 10, self._available)}
            )
        if self.token is not None and request.headers.get("X-Shopify-Access-Token") != self.token:
            return httpx.Response(401, json={"errors": _INVALID_TOKEN})
        return httpx.Response(200, json=self.handle(body))

    def mount(self, router: respx.Router) -> None:
        router.post(endpoint(self.shop.domain)).mock(side_effect=self.respond)
        router.get(url__startswith=self.bulk.url_prefix).mock(side_effect=self.bulk.download)


def _errors(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
