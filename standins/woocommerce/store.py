"""A stateful stand-in for one WooCommerce store's REST API (wc/v3, plus wp/v2 pages).

Shaped like the documented resources (woocommerce-rest-api-docs: orders, order notes,
order refunds, customers, products and variations, webhooks; WordPress pages): JSON
errors `{code, message, data: {status}}`, money as strings, `*_gmt` dates without an
offset, `X-WP-Total`/`X-WP-TotalPages` and an RFC 5988 `Link` on lists, `per_page` above
100 refused with 400 `rest_invalid_param`. State persists across calls: a refund shows on
the order, a fully refunded order becomes `refunded`, notes and meta accumulate.

Failure modes to test against:
- `strip_authorization`: the host drops the Authorization header (keys only work in the
  query string), answering 401 "Consumer key is missing." as WooCommerce does;
- `fail_next(status, headers)`: the next requests get that answer (429 with or without
  Retry-After, 500, 503), once each;
- `offline`: every request fails to connect (a platform outage);
- `gateway_refunds=False`: the payment gateway refuses (400), or, with
  `legacy_refunds=True`, older WooCommerce's 201 with `refunded_payment: false`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from standins.woocommerce import writes
from standins.woocommerce.writes import ApiError, gmt

_OFFLINE_GATEWAYS = {"bacs", "cheque", "cod"}
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"wc/v3/orders"), "orders_list"),
    ("GET", re.compile(r"wc/v3/orders/(\d+)"), "order_get"),
    ("PUT", re.compile(r"wc/v3/orders/(\d+)"), "order_update"),
    ("GET", re.compile(r"wc/v3/orders/(\d+)/notes"), "notes_list"),
    ("POST", re.compile(r"wc/v3/orders/(\d+)/notes"), "note_create"),
    ("GET", re.compile(r"wc/v3/orders/(\d+)/refunds"), "refunds_list"),
    ("POST", re.compile(r"wc/v3/orders/(\d+)/refunds"), "refund_create"),
    ("DELETE", re.compile(r"wc/v3/orders/(\d+)/refunds/(\d+)"), "refund_delete"),
    ("GET", re.compile(r"wc/v3/customers"), "customers_list"),
    ("GET", re.compile(r"wc/v3/products"), "products_list"),
    ("GET", re.compile(r"wc/v3/products/(\d+)/variations"), "variations_list"),
    ("GET", re.compile(r"wc/v3/webhooks"), "webhooks_list"),
    ("POST", re.compile(r"wc/v3/webhooks"), "webhook_create"),
    ("GET", re.compile(r"wc/v3/webhooks/(\d+)"), "webhook_get"),
    ("PUT", re.compile(r"wc/v3/webhooks/(\d+)"), "webhook_update"),
    ("GET", re.compile(r"wc/v3/settings/([a-z_]+)/([a-z_]+)"), "setting_get"),
    ("GET", re.compile(r"wp/v2/pages"), "pages_list"),
]


class WooStandIn:
    def __init__(
        self,
        domain: str,
        *,
        consumer_key: str,
        consumer_secret: str,
        strip_authorization: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.domain = domain
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.strip_authorization = strip_authorization
        self.clock = clock or (lambda: datetime.now(UTC))
        self.orders: dict[int, dict[str, Any]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.variations: dict[int, list[dict[str, Any]]] = {}
        self.pages: list[dict[str, Any]] = []
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.status_before_refund: dict[int, str] = {}
        self.settings: dict[tuple[str, str], str] = {
            ("general", "woocommerce_currency"): "USD",
            ("email", "woocommerce_email_from_address"): f"owner@{domain}",
            ("email_new_order", "recipient"): f"orders@{domain}",
        }
        self.gateway_refunds = True
        self.legacy_refunds = False
        self.offline = False
        self._faults: list[tuple[int, dict[str, str]]] = []
        self._next_id = 900_000
        self._lock = threading.Lock()
        self.requests = 0
        self.throttled = 0
        self.calls: list[str] = []

    # ------------------------------------------------------------ wiring

    @property
    def base(self) -> str:
        return f"https://{self.domain}/wp-json/"

    def mount(self, router: Any) -> None:
        router.route(url__startswith=self.base).mock(side_effect=self.handle)

    def fail_next(self, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self._faults.extend([(status, headers or {})] * times)

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def now_gmt(self) -> str:
        return gmt(self.clock())

    # ------------------------------------------------------------ one request

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            raise httpx.ConnectError("stand-in store is offline", request=request)
        with self._lock:
            self.requests += 1
            path = request.url.path.split("/wp-json/", 1)[-1].strip("/")
            self.calls.append(f"{request.method} {path}")
            if self._faults:
                status, headers = self._faults.pop(0)
                self.throttled += status == 429
                return _error(status, "fault", "Injected failure.", headers)
            query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
            try:
                return self._route(request, path, query)
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.message)

    def _route(self, request: httpx.Request, path: str, query: dict[str, str]) -> httpx.Response:
        for method, pattern, name in _ROUTES:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                if path.startswith("wc/"):
                    self._authenticate(request, query)
                body = _json_body(request)
                args = [int(g) if g.isdigit() else g for g in match.groups()]
                result = getattr(self, name)(*args, query=query, body=body)
                return result if isinstance(result, httpx.Response) else _ok(result)
        raise ApiError(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _authenticate(self, request: httpx.Request, query: dict[str, str]) -> None:
        key, secret = query.get("consumer_key", ""), query.get("consumer_secret", "")
        header = request.headers.get("authorization", "")
        if not key and header.lower().startswith("basic ") and not self.strip_authorization:
            decoded = base64.b64decode(header[6:]).decode(errors="replace")
            key, _, secret = decoded.partition(":")
        if not key:
            raise ApiError(401, "woocommerce_rest_authentication_error", "Consumer key is missing.")
        if key != self.consumer_key:
            raise ApiError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.consumer_secret:
            raise ApiError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )

    # ------------------------------------------------------------ orders

    def orders_list(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        rows = list(self.orders.values())
        if query.get("customer"):
            rows = [o for o in rows if str(o["customer_id"]) == query["customer"]]
        if query.get("search"):
            rows = [o for o in rows if _order_matches(o, query["search"].lower())]
        if query.get("status") and query["status"] != "any":
            rows = [o for o in rows if o["status"] in query["status"].split(",")]
        if query.get("modified_after"):
            rows = [o for o in rows if o["date_modified_gmt"] > query["modified_after"][:19]]
        key = "date_modified_gmt" if query.get("orderby") == "modified" else "date_created_gmt"
        rows.sort(key=lambda o: (o[key], o["id"]), reverse=query.get("order", "desc") == "desc")
        return self._page(rows, query)

    def order_get(self, order_id: int, *, query: dict[str, str], body: Any) -> dict[str, Any]:
        return self._order(order_id)

    def order_update(self, order_id: int, *, query: dict[str, str], body: Any) -> dict[str, Any]:
        return writes.order_update(self, self._order(order_id), body or {})

    def notes_list(self, order_id: int, *, query: dict[str, str], body: Any) -> list[Any]:
        self._order(order_id)
        kind = query.get("type", "any")
        notes = self.notes.get(order_id, [])
        if kind != "any":
            notes = [n for n in notes if n["customer_note"] == (kind == "customer")]
        return list(reversed(notes))

    def note_create(self, order_id: int, *, query: dict[str, str], body: Any) -> httpx.Response:
        self._order(order_id)
        if not isinstance(body, dict) or not str(body.get("note") or "").strip():
            raise ApiError(400, "rest_missing_callback_param", "Missing parameter(s): note")
        note = {
            "id": self.new_id(),
            "author": "WooCommerce",
            "date_created_gmt": self.now_gmt(),
            "note": str(body["note"]),
            "customer_note": bool(body.get("customer_note")),
        }
        self.notes.setdefault(order_id, []).append(note)
        return _ok(note, status=201)

    def refunds_list(self, order_id: int, *, query: dict[str, str], body: Any) -> httpx.Response:
        self._order(order_id)
        return self._page(list(reversed(self.refunds.get(order_id, []))), query)

    def refund_create(self, order_id: int, *, query: dict[str, str], body: Any) -> httpx.Response:
        order = self._order(order_id)
        api_refund = (
            True if not isinstance(body, dict) else body.get("api_refund", True) is not False
        )
        if api_refund and (
            order["payment_method"] in _OFFLINE_GATEWAYS or not self.gateway_refunds
        ):
            if not self.legacy_refunds or order["payment_method"] in _OFFLINE_GATEWAYS:
                raise ApiError(
                    400,
                    "woocommerce_rest_cannot_create_order_refund",
                    "The payment gateway for this order does not support automatic refunds.",
                )
            refund = writes.refund_create(self, order, body or {})
            refund["refunded_payment"] = False
            return _ok(refund, status=201)
        return _ok(writes.refund_create(self, order, body or {}), status=201)

    def refund_delete(
        self, order_id: int, refund_id: int, *, query: dict[str, str], body: Any
    ) -> dict[str, Any]:
        if query.get("force") != "true":
            raise ApiError(
                501, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing."
            )
        return writes.refund_delete(self, self._order(order_id), refund_id)

    # ------------------------------------------------------------ customers, catalogue, pages

    def customers_list(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        rows = list(self.customers.values())
        if query.get("email"):
            rows = [c for c in rows if c["email"].lower() == query["email"].lower()]
        if query.get("search"):
            term = query["search"].lower()
            rows = [c for c in rows if term in " ".join(str(v) for v in c.values()).lower()]
        return self._page(rows, query)

    def products_list(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        rows = list(self.products.values())
        if query.get("include"):
            wanted = {int(i) for i in query["include"].split(",") if i.strip().isdigit()}
            rows = [p for p in rows if p["id"] in wanted]
        if query.get("search"):
            term = query["search"].lower()
            rows = [p for p in rows if term in _product_text(p)]
        return self._page(rows, query)

    def variations_list(
        self, product_id: int, *, query: dict[str, str], body: Any
    ) -> httpx.Response:
        if product_id not in self.products:
            raise ApiError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return self._page(self.variations.get(product_id, []), query)

    def pages_list(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        slugs = set(query.get("slug", "").split(",")) - {""}
        rows = [p for p in self.pages if not slugs or p["slug"] in slugs]
        return self._page(rows, query)

    def setting_get(
        self, group: str, option: str, *, query: dict[str, str], body: Any
    ) -> dict[str, Any]:
        if (group, option) not in self.settings:
            raise ApiError(404, "rest_setting_setting_invalid", "Invalid setting.")
        return {"id": option, "value": self.settings[(group, option)]}

    # ------------------------------------------------------------ webhooks

    def webhooks_list(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        return self._page(list(self.webhooks.values()), query)

    def webhook_create(self, *, query: dict[str, str], body: Any) -> httpx.Response:
        return _ok(writes.webhook_create(self, body if isinstance(body, dict) else {}), status=201)

    def webhook_get(self, webhook_id: int, *, query: dict[str, str], body: Any) -> dict[str, Any]:
        return _public_webhook(self._webhook(webhook_id))

    def webhook_update(
        self, webhook_id: int, *, query: dict[str, str], body: Any
    ) -> dict[str, Any]:
        hook = self._webhook(webhook_id)
        if isinstance(body, dict) and body.get("status") in ("active", "paused", "disabled"):
            hook["status"] = body["status"]
            hook["failure_count"] = 0
        return _public_webhook(hook)

    # ------------------------------------------------------------ helpers

    def _order(self, order_id: int) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise ApiError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def _webhook(self, webhook_id: int) -> dict[str, Any]:
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            raise ApiError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return hook

    def _page(self, rows: list[Any], query: dict[str, str]) -> httpx.Response:
        try:
            per_page = int(query.get("per_page", "10"))
            page = int(query.get("page", "1"))
        except ValueError:
            raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): per_page") from None
        if not 1 <= per_page <= 100:
            raise ApiError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): per_page (must be between 1 and 100)",
            )
        pages = max(1, -(-len(rows) // per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}
        if page < pages:
            link_query = {k: v for k, v in query.items() if not k.startswith("consumer_")}
            link_query["page"] = str(page + 1)
            headers["Link"] = f'<{self.base}wc/v3/orders?{urlencode(link_query)}>; rel="next"'
        return _ok(chunk, headers=headers)


def _public_webhook(hook: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hook.items() if k != "secret"}


def _order_matches(order: dict[str, Any], term: str) -> bool:
    fields = [str(order["id"]), str(order["number"])]
    for part in ("billing", "shipping"):
        fields.extend(str(v) for v in order.get(part, {}).values())
    fields.extend(str(i.get("name", "")) for i in order.get("line_items", []))
    return any(term in f.lower() for f in fields)


def _product_text(product: dict[str, Any]) -> str:
    return " ".join(
        str(product.get(k, "")) for k in ("name", "description", "short_description", "sku")
    ).lower()


def _json_body(request: httpx.Request) -> Any:
    if not request.content:
        return None
    try:
        return json.loads(request.content)
    except ValueError:
        raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.") from None


def _ok(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=_plain(data), headers=headers or {})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"code": code, "message": message, "data": {"status": status}}
    return httpx.Response(status, json=body, headers=headers or {})


def signed_delivery(
    body: bytes, *, secret: str, topic: str, delivery_id: str, source: str
) -> dict[str, str]:
    """The headers WooCommerce sends with a webhook delivery (base64 HMAC-SHA256 of the body)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": source,
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-WC-Webhook-ID": "1",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
