"""CORS for the widget-key API (/api/chat/), and only there.

The App Proxy path needs none: the widget calls https://<shop>/apps/aftersale/chat/... on
the shop's own origin and Shopify forwards it. The demo page is served by this app, so it
is same-origin too. Only a non-Shopify storefront (a WooCommerce or custom site) calls us
cross-origin, and it may do so only from its own site: https://<store domain> or its www.
twin, and the storefront hosts its platform reported (`Store.storefront_hosts`: a
BigCommerce store's custom domain or headless sites), plus http:// in DEBUG for local
shops. No credentials are ever allowed: the API uses no cookies, the widget key and
conversation token travel in the query string.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.stores.models import Store

_MAX_AGE = "600"


def store_origins(store: Store) -> set[str]:
    reported = store.storefront_hosts if isinstance(store.storefront_hosts, list) else []
    hosts: set[str] = set()
    for name in [store.domain, *reported]:
        host = str(name).strip().lower() if isinstance(name, str) else ""
        if host:
            hosts |= {host, host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"}
    schemes = ("https", "http") if settings.DEBUG else ("https",)
    return {f"{scheme}://{h}" for scheme in schemes for h in hosts}


def request_origin(request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin")
    if not origin:
        return None
    # Lower-casing folds some non-ASCII into ASCII (U+212A -> "k"): leave those unmatched.
    return origin.strip().lower() if origin.isascii() else origin


def is_same_origin(request: HttpRequest, origin: str) -> bool:
    return origin == f"{request.scheme}://{request.get_host()}".lower()


def allow_origin(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    # The widget reads Retry-After from a cross-origin 429.
    response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def preflight(origin: str) -> HttpResponse:
    response = HttpResponse(status=204)
    allow_origin(response, origin)
    response["Access-Control-Allow-Methods"] = "GET, POST"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = _MAX_AGE
    return response
