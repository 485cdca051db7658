"""Who is calling the chat API: the store (from a verified credential) and the client.

Two front doors reach the same endpoints:
- `proxy`: the Shopify App Proxy. The store is the verified `shop` parameter; the signature
  covers every query parameter (our `token` included) and is at most 90 s old. Shopify's
  `logged_in_customer_id` is trusted only after that check.
- `widget`: everyone else (the demo store, WooCommerce and other storefronts). The store is
  the one owning the public widget key; the shopper is anonymous unless the request carries
  a `customer_claim` the storefront signed with the store's secret (customer_claim.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from django.http import HttpRequest

from apps.chat.api import cors
from apps.chat.api.body import single_param
from apps.chat.api.customer_claim import claimed_customer_id
from apps.chat.api.problems import ChatProblem
from apps.core.clients import client_address
from apps.shopify_app.security import (
    InvalidShopDomain,
    normalise_shop_domain,
    timestamp_is_fresh,
    verify_proxy_signature,
)
from apps.stores.models import Platform, Store, StoreStatus

Via = Literal["proxy", "widget"]
# Shopify customer ids are numeric; the column holds 64 characters.
_CUSTOMER_ID = re.compile(r"[0-9]{1,64}")


@dataclass(frozen=True)
class ChatClient:
    store: Store
    via: Via
    address: str
    # Shopify's verified logged-in customer id; "" for a guest or on the widget path.
    customer_id: str = ""
    # The cross-origin caller to echo in Access-Control-Allow-Origin (widget path only).
    cors_origin: str | None = None


def authenticate(request: HttpRequest, via: Via) -> ChatClient:
    if via == "proxy":
        return _from_proxy(request)
    return _from_widget_key(request)


def _unverified() -> ChatProblem:
    return ChatProblem(401, "invalid_signature", "This request could not be verified.")


def _from_proxy(request: HttpRequest) -> ChatClient:
    params = dict(request.GET.lists())
    if not verify_proxy_signature(params):
        raise _unverified()
    if not timestamp_is_fresh(params.get("timestamp", [""])[0]):
        raise ChatProblem(401, "stale_request", "This request has expired. Please reload the page.")
    try:
        shop = normalise_shop_domain(params.get("shop", [""])[0])
    except InvalidShopDomain:
        raise _unverified() from None
    store = Store.objects.filter(
        platform=Platform.SHOPIFY, domain=shop, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        raise ChatProblem(404, "store_not_found", "Chat is not available for this store.")
    customer_id = (params.get("logged_in_customer_id") or [""])[0]
    if customer_id and not _CUSTOMER_ID.fullmatch(customer_id):
        raise ChatProblem(400, "invalid_parameter", "The customer id is not valid.")
    return ChatClient(
        store=store,
        via="proxy",
        address=client_address(request, via_shopify_proxy=True),
        customer_id=customer_id,
    )


def _from_widget_key(request: HttpRequest) -> ChatClient:
    key = single_param(request, "key") or ""
    if not key:
        raise ChatProblem(401, "widget_key_required", "This chat widget has no store key.")
    store = None
    if len(key) <= 64:
        store = Store.objects.filter(widget_key=key, status=StoreStatus.INSTALLED).first()
    if store is None:
        raise ChatProblem(
            401, "invalid_widget_key", "This chat widget is not set up for a known store."
        )
    if store.platform == Platform.SHOPIFY:
        # A Shopify shop's widget goes through the App Proxy, where the shopper's login is
        # verified; a keyed side door would bypass that.
        raise ChatProblem(
            403, "use_app_proxy", "This store's chat is served through its Shopify storefront."
        )
    origin = _cross_origin(request, store)
    claim = single_param(request, "customer_claim") or ""
    return ChatClient(
        store=store,
        via="widget",
        address=client_address(request),
        customer_id=claimed_customer_id(store, claim) if claim else "",
        cors_origin=origin,
    )


def _cross_origin(request: HttpRequest, store: Store) -> str | None:
    """The Origin to allow, None for same-origin calls; refuse any other site's origin."""
    origin = cors.request_origin(request)
    if origin is None or cors.is_same_origin(request, origin):
        return None
    if origin in cors.store_origins(store):
        return origin
    raise ChatProblem(403, "origin_not_allowed", "This website may not use this store's chat.")
