"""A stateful stand-in for one BigCommerce store's REST API (tests and bench/platforms.py).

Answers https://api.bigcommerce.com/stores/{hash}/v2|v3/... as BigCommerce documents it:
`X-Auth-Token` required (401 otherwise), V2 errors as a list of {status, message}, V3 errors
as {status, title, type, errors}, V2 lists paged by `page`/`limit` with 204 and no body when
a page is empty, V3 lists with `meta.pagination`. The per-store quota is enforced: every
answer carries the X-Rate-Limit-* headers, and a request over the quota gets 429 with them.
Faults a test can switch on: `outage` (503s), `bare_429s` (429s without rate headers,
platform load), `timeouts_before` and `lose_answers` (network faults), `refund_delay`
(a refund stays in progress that long, and a second refund of the same order meanwhile
is refused, as BigCommerce forbids concurrent refunds).
Mount it behind respx (`mount(router)`) or call `handle(request)` from an httpx transport.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from standins.bigcommerce import refunds
from standins.bigcommerce.state import StoreState

API_HOST = "https://api.bigcommerce.com"
_ROUTE = re.compile(r"^/stores/(?P<hash>[a-z0-9]+)/(?P<rest>v[23]/.*)$")


class BigCommerceStandIn:
    def __init__(
        self,
        store_hash: str,
        *,
        token: str,
        quota: int = 150,
        window_ms: int = 30_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = StoreState(store_hash)
        self.token = token
        self.quota = quota
        self.window_ms = window_ms
        self._clock = clock
        self._sleep = sleep
        self._window_start = clock()
        self._used = 0
        self._lock = threading.Lock()
        self._busy: set[int] = set()
        self.outage = False
        self.bare_429s = 0
        self.refund_delay = 0.0
        # Network faults: requests that time out before reaching the store, and calls
        # ("POST /v3/...") whose answer is lost after the store acted on them (once each).
        self.timeouts_before = 0
        self.lose_answers: set[str] = set()
        self.requests = 0
        self.throttled = 0
        self.calls: list[str] = []

    # ------------------------------------------------------------ transport

    def mount(self, router: Any) -> None:
        router.route(url__startswith=f"{API_HOST}/stores/{self.state.store_hash}/").mock(
            side_effect=self.handle
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = _ROUTE.match(request.url.path)
        if match is None or match["hash"] != self.state.store_hash:
            return _v2_error(404, "The requested resource was not found.")
        if request.headers.get("X-Auth-Token") != self.token:
            return _v2_error(401, "You are not authorised to access this resource.")
        call = f"{request.method} /{match['rest']}"
        if self.timeouts_before > 0:
            self.timeouts_before -= 1
            raise httpx.ConnectTimeout("stand-in: no answer", request=request)
        self.calls.append(call)
        if self.outage:
            return httpx.Response(503, text="Service Unavailable")
        if self.bare_429s > 0:
            self.bare_429s -= 1
            self.throttled += 1
            return httpx.Response(429, text="Too Many Requests")
        headers = self._take()
        if headers is None:
            return httpx.Response(429, headers=self._headers(), json=_throttled())
        response = self._route(request, match["rest"])
        response.headers.update(headers)
        if call in self.lose_answers:
            self.lose_answers.discard(call)
            raise httpx.ReadTimeout("stand-in: answer lost", request=request)
        return response

    # ------------------------------------------------------------ quota

    def _reset_ms(self, now: float) -> int:
        return max(0, int(self.window_ms - (now - self._window_start) * 1000))

    def _headers(self) -> dict[str, str]:
        now = self._clock()
        return {
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self._used)),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(self._reset_ms(now)),
        }

    def _take(self) -> dict[str, str] | None:
        with self._lock:
            now = self._clock()
            if (now - self._window_start) * 1000 >= self.window_ms:
                self._window_start, self._used = now, 0
            self.requests += 1
            if self._used >= self.quota:
                self.throttled += 1
                return None
            self._used += 1
            return self._headers()

    # ------------------------------------------------------------ routes

    def _route(self, request: httpx.Request, rest: str) -> httpx.Response:
        method, params = request.method, request.url.params
        body = json.loads(request.content) if request.content else {}
        for pattern, verb, handler in self._routes():
            found = re.fullmatch(pattern, rest)
            if found and verb == method:
                return handler(params, body, *found.groups())
        return _v2_error(404, "The requested resource was not found.")

    def _routes(self) -> list[tuple[str, str, Callable[..., httpx.Response]]]:
        return [
            (r"v2/orders", "GET", self._orders),
            (r"v2/orders/(\d+)", "GET", self._order),
            (r"v2/orders/(\d+)", "PUT", self._update_order),
            (r"v2/orders/(\d+)/products", "GET", self._order_products),
            (r"v2/orders/(\d+)/shipping_addresses", "GET", self._addresses),
            (r"v2/orders/(\d+)/shipping_addresses/(\d+)", "PUT", self._update_address),
            (r"v2/orders/(\d+)/shipments", "GET", self._shipments),
            (r"v2/store", "GET", self._store),
            (r"v3/orders/(\d+)/payment_actions/refunds", "GET", self._refunds),
            (r"v3/orders/(\d+)/payment_actions/refund_quotes", "POST", self._quote),
            (r"v3/orders/(\d+)/payment_actions/refunds", "POST", self._refund),
            (r"v3/customers", "GET", self._customers),
            (r"v3/catalog/products", "GET", self._products),
            (r"v3/content/pages", "GET", self._pages),
            (r"v3/content/scripts", "GET", self._scripts),
            (r"v3/content/scripts", "POST", self._add_script),
            (r"v3/content/scripts/([0-9a-f-]+)", "DELETE", self._delete_script),
            (r"v3/hooks", "GET", self._hooks),
            (r"v3/sites", "GET", self._sites),
            (r"v3/hooks", "POST", self._add_hook),
        ]

    def _orders(self, params: httpx.QueryParams, body: Any) -> httpx.Response:
        orders = list(self.state.orders.values())
        if "email" in params:
            orders = [o for o in orders if o.billing.email.lower() == params["email"].lower()]
        if "customer_id" in params:
            orders = [o for o in orders if str(o.customer_id) == params["customer_id"]]
        if "min_date_modified" in params:
            since = _when(params["min_date_modified"])
            orders = [o for o in orders if since is None or o.date_modified >= since]
        field, _, direction = params.get("sort", "id:asc").partition(":")
        keys: dict[str, Callable[[Any], Any]] = {
            "date_created": lambda o: o.date_created,
            "date_modified": lambda o: o.date_modified,
        }
        key = keys.get(field, lambda o: o.id)
        orders.sort(key=key, reverse=direction == "desc")
        limit = min(250, int(params.get("limit", "50")))
        page = int(params.get("page", "1"))
        chunk = orders[(page - 1) * limit : page * limit]
        if not chunk:
            return httpx.Response(204)
        return httpx.Response(200, json=[o.as_json(_includes(params)) for o in chunk])

    def _found(self, order_id: str) -> Any:
        return self.state.orders.get(int(order_id))

    def _order(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        return httpx.Response(200, json=order.as_json(_includes(params)))

    def _update_order(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        if "status_id" in body:
            order.status_id = int(body["status_id"])
        if "staff_notes" in body:
            if len(str(body["staff_notes"])) > 65_535:
                return _v2_error(400, "The field 'staff_notes' is too long.")
            order.staff_notes = str(body["staff_notes"])
        order.date_modified = refunds.now()
        return httpx.Response(200, json=order.as_json())

    def _order_products(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        return httpx.Response(200, json=order.products_json())

    def _addresses(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        return httpx.Response(200, json=[a.as_json(order.id) for a in order.shipping_addresses])

    def _update_address(self, params: Any, body: Any, order_id: str, aid: str) -> httpx.Response:
        order = self._found(order_id)
        address = (
            next((a for a in order.shipping_addresses if a.id == int(aid)), None) if order else None
        )
        if order is None or address is None:
            return _v2_error(404, "The requested resource was not found.")
        for name in ("first_name", "last_name", "street_1", "street_2", "city", "state", "zip"):
            if name in body:
                setattr(address, name, str(body[name]))
        if "country_iso2" in body:
            address.country_iso2 = str(body["country_iso2"])
        if "country" in body:
            address.country = str(body["country"])
        order.date_modified = refunds.now()
        return httpx.Response(200, json=address.as_json(order.id))

    def _shipments(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v2_error(404, "The requested resource was not found.")
        if not order.shipments:
            return httpx.Response(204)
        return httpx.Response(200, json=[s.as_json(order) for s in order.shipments])

    def _store(self, params: Any, body: Any) -> httpx.Response:
        domain = self.state.custom_domain or f"store-{self.state.store_hash}.mybigcommerce.com"
        return httpx.Response(
            200,
            json={
                "id": self.state.store_hash,
                "domain": domain,
                "secure_url": f"https://{domain}",
                "control_panel_base_url": f"https://store-{self.state.store_hash}.mybigcommerce.com",
                "name": "Northwind Outfitters",
                "currency": "USD",
                "timezone": {"name": "America/New_York"},
            },
        )

    def _refunds(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v3_error(404, "Order not found")
        return _v3_list([r.as_json(order.id) for r in order.refunds])

    def _quote(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v3_error(404, "Order not found")
        try:
            amount = refunds.requested_amount(order, body.get("items"))
        except refunds.Refused as exc:
            return _v3_error(422, str(exc))
        return httpx.Response(200, json={"data": refunds.quote(order, amount), "meta": {}})

    def _refund(self, params: Any, body: Any, order_id: str) -> httpx.Response:
        order = self._found(order_id)
        if order is None:
            return _v3_error(404, "Order not found")
        with self._lock:
            if order.id in self._busy:
                return _v3_error(422, "A refund is already being processed for this order.")
            self._busy.add(order.id)
        try:
            if self.refund_delay:
                self._sleep(self.refund_delay)
            record = refunds.create(self.state, order, body)
        except refunds.Refused as exc:
            return _v3_error(422, str(exc))
        finally:
            with self._lock:
                self._busy.discard(order.id)
        return httpx.Response(201, json={"data": record.as_json(order.id), "meta": {}})

    def _customers(self, params: httpx.QueryParams, body: Any) -> httpx.Response:
        customers = list(self.state.customers.values())
        if "email:in" in params:
            wanted = {e.strip().lower() for e in params["email:in"].split(",")}
            customers = [c for c in customers if c.email.lower() in wanted]
        if "phone:in" in params:
            wanted = {p.strip() for p in params["phone:in"].split(",")}
            customers = [c for c in customers if c.phone in wanted]
        return _v3_list([c.as_json() for c in customers])

    def _products(self, params: httpx.QueryParams, body: Any) -> httpx.Response:
        keyword = params.get("keyword", "").strip().lower()
        found = [
            p
            for p in self.state.products
            if not keyword
            or keyword in p.name.lower()
            or keyword in p.description.lower()
            or keyword in p.sku.lower()
        ]
        if "id:in" in params:
            wanted = {int(i) for i in params["id:in"].split(",") if i.strip().isdigit()}
            found = [p for p in found if p.id in wanted]
        limit = min(250, int(params.get("limit", "50")))
        include = params.get("include", "").split(",")
        return _v3_list(
            [
                p.as_json(
                    with_variants="variants" in include,
                    with_custom_fields="custom_fields" in include,
                )
                for p in found[:limit]
            ]
        )

    def _pages(self, params: Any, body: Any) -> httpx.Response:
        return _v3_list([p.as_json() for p in self.state.pages])

    def _scripts(self, params: Any, body: Any) -> httpx.Response:
        return _v3_list(list(self.state.scripts.values()))

    def _add_script(self, params: Any, body: Any) -> httpx.Response:
        if not body.get("name") or not (body.get("src") or body.get("html")):
            return _v3_error(422, "name and src or html are required")
        uuid = f"00000000-0000-4000-8000-{self.state.new_id():012d}"
        script = {"uuid": uuid, **body}
        self.state.scripts[uuid] = script
        return httpx.Response(200, json={"data": script, "meta": {}})

    def _sites(self, params: Any, body: Any) -> httpx.Response:
        return _v3_list(list(self.state.sites))

    def _hooks(self, params: Any, body: Any) -> httpx.Response:
        return _hooks_list(self.state.hooks)

    def _add_hook(self, params: Any, body: Any) -> httpx.Response:
        scope, destination = str(body.get("scope") or ""), str(body.get("destination") or "")
        if not scope.startswith("store/") or not destination.startswith("https://"):
            return _v3_error(422, "scope and an https destination are required")
        if any(
            h["scope"] == scope and h["destination"] == destination
            for h in self.state.hooks.values()
        ):
            return _v3_error(422, "A webhook for this scope and destination already exists.")
        hook_id = self.state.new_id()
        hook = {"id": hook_id, "is_active": True, **body}
        self.state.hooks[hook_id] = hook
        return httpx.Response(200, json={"data": hook, "meta": {}})

    def _delete_script(self, params: Any, body: Any, uuid: str) -> httpx.Response:
        if self.state.scripts.pop(uuid, None) is None:
            return _v3_error(404, "Script not found")
        return httpx.Response(204)


def _includes(params: httpx.QueryParams) -> str:
    """The order includes asked for; consignments come as objects only with
    `consignment_structure=object` (the legacy array structure is not modelled)."""
    if params.get("consignment_structure") != "object":
        return ""
    return str(params.get("include", ""))


def _hooks_list(hooks: dict[int, dict[str, Any]]) -> httpx.Response:
    return _v3_list(list(hooks.values()))


def _when(value: str) -> datetime | None:
    """V2 date filters take RFC 2822 or ISO 8601."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None


def _throttled() -> list[dict[str, Any]]:
    return [{"status": 429, "message": "You have exceeded your request quota."}]


def _v2_error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json=[{"status": status, "message": message}])


def _v3_error(status: int, title: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "status": status,
            "title": title,
            "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
            "errors": {},
        },
    )


def _v3_list(rows: list[dict[str, Any]]) -> httpx.Response:
    pagination = {
        "total": len(rows),
        "count": len(rows),
        "per_page": 50,
        "current_page": 1,
        "total_pages": 1,
        "links": {"current": "?page=1"},
    }
    return httpx.Response(200, json={"data": rows, "meta": {"pagination": pagination}})
