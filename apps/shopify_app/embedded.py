"""Authentication for pages and API calls of the embedded admin (App Bridge session tokens).

Decorate a view with `@embedded_view` and it runs only for a verified session token of
an installed store, with `request.store` (the Store) and `request.shopify_session` (the
SessionTokenClaims) set. The token comes from `Authorization: Bearer` (App Bridge adds
it to every `fetch`) or, for a document load, from the `id_token` query parameter the
admin puts on the iframe URL. No cookie is involved, so no CSRF token is either.

What the caller sees when it fails:
- a bad or expired token: 401 with `X-Shopify-Retry-Invalid-Session-Request: 1`, which
  tells App Bridge to retry the fetch with a fresh token (JSON for fetches, an HTML page
  for documents); a document load without a token, or with an expired one, is sent
  to the session-token bounce page instead, where App Bridge fetches a fresh token and
  reloads the page;
- a store we cannot install or re-authorise: 403 with a "re-open the app" link;
- Shopify's token endpoint down: 503, try again.
HTML responses carry a per-shop `frame-ancestors` policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from apps.shopify_app.errors import InvalidSubjectToken, TokenRequestRefused
from apps.shopify_app.install import store_for_session
from apps.shopify_app.responses import (
    RETRY_INVALID_SESSION_HEADER,
    admin_app_url,
    error_page,
    json_error,
    set_frame_ancestors,
)
from apps.shopify_app.security import InvalidShopDomain, normalise_shop_domain
from apps.shopify_app.session_tokens import (
    SessionTokenClaims,
    SessionTokenError,
    SessionTokenFailure,
    decode_session_token,
)
from apps.shopify_app.tokens import TRANSIENT_TOKEN_ERRORS
from apps.stores.models import Store

logger = logging.getLogger(__name__)

P = ParamSpec("P")


class EmbeddedRequest(HttpRequest):
    """The request an @embedded_view receives (for type annotations only)."""

    store: Store
    shopify_session: SessionTokenClaims


EmbeddedView = Callable[Concatenate[EmbeddedRequest, P], HttpResponse]


@dataclass(frozen=True)
class _Presented:
    token: str
    from_header: bool  # a fetch (Bearer) rather than a document load (id_token)

    def __repr__(self) -> str:
        return f"<_Presented from_header={self.from_header}>"


def embedded_view(view: EmbeddedView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Require a verified session token of an installed store (see the module docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        presented = _presented_token(request)
        if presented is None:
            return _without_token(request)
        try:
            claims = decode_session_token(presented.token)
        except SessionTokenError as exc:
            logger.info("session token rejected path=%s reason=%s", request.path, exc.reason)
            return _rejected_token(request, presented, exc.reason)
        store_or_failure = _store(request, claims, presented)
        if isinstance(store_or_failure, HttpResponse):
            return store_or_failure
        embedded = _as_embedded(request, store_or_failure, claims)
        return set_frame_ancestors(view(embedded, *args, **kwargs), claims.shop)

    # Session tokens are never ambient (no cookie), so cross-site requests cannot
    # borrow them: the CSRF cookie check (which third-party iframes break) adds nothing.
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _as_embedded(request: HttpRequest, store: Store, claims: SessionTokenClaims) -> EmbeddedRequest:
    request.store = store  # type: ignore[attr-defined]
    request.shopify_session = claims  # type: ignore[attr-defined]
    return request  # type: ignore[return-value]


def _presented_token(request: HttpRequest) -> _Presented | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        # A malformed header is presented as an empty token, which decoding refuses.
        return _Presented(value.strip() if scheme.lower() == "bearer" else "", from_header=True)
    # Query tokens only on document loads: they end up in URLs, so never for writes.
    if request.method in ("GET", "HEAD") and "id_token" in request.GET:
        return _Presented(request.GET["id_token"], from_header=False)
    return None


def _store(
    request: HttpRequest, claims: SessionTokenClaims, presented: _Presented
) -> Store | HttpResponse:
    try:
        return store_for_session(claims, presented.token)
    except InvalidSubjectToken:
        return _unauthorized(request, claims.shop, json=presented.from_header)
    except TokenRequestRefused:
        return _reopen(request, claims.shop, json=presented.from_header)
    except TRANSIENT_TOKEN_ERRORS as exc:
        logger.warning(
            "embedded request: no token available yet shop=%s: %s",
            claims.shop,
            type(exc).__name__,
        )
        return _unavailable(request, claims.shop, json=presented.from_header)


def _without_token(request: HttpRequest) -> HttpResponse:
    shop = _query_shop(request)
    if shop and request.method in ("GET", "HEAD"):
        return _bounce(request, shop)
    return _unauthorized(request, shop, json=_prefers_json(request))


def _rejected_token(
    request: HttpRequest, presented: _Presented, reason: SessionTokenFailure
) -> HttpResponse:
    shop = _query_shop(request)
    # A stale id_token on a reload is normal; a forged or misconfigured one is not, and
    # bouncing it would loop.
    if not presented.from_header and reason is SessionTokenFailure.EXPIRED and shop:
        return _bounce(request, shop)
    return _unauthorized(request, shop, json=presented.from_header)


def _unauthorized(request: HttpRequest, shop: str | None, *, json: bool) -> HttpResponse:
    if json:
        response: HttpResponse = json_error(401, "invalid_session_token")
    else:
        response = error_page(
            request,
            status=401,
            title="Please re-open Aftersale",
            message="Your session could not be verified. Open Aftersale again from your "
            "Shopify admin.",
            shop=shop,
            link=(admin_app_url(shop), "Re-open Aftersale") if shop else None,
            embedded=True,
        )
    response[RETRY_INVALID_SESSION_HEADER] = "1"
    return response


def _reopen(request: HttpRequest, shop: str, *, json: bool) -> HttpResponse:
    if json:
        return json_error(403, "store_not_installed", reopen_url=admin_app_url(shop))
    return error_page(
        request,
        status=403,
        title="Aftersale is not installed on this store",
        message="Shopify did not authorise Aftersale for this store. Install or re-open the "
        "app from your Shopify admin.",
        shop=shop,
        link=(admin_app_url(shop), "Re-open Aftersale"),
        embedded=True,
    )


def _unavailable(request: HttpRequest, shop: str, *, json: bool) -> HttpResponse:
    if json:
        response: HttpResponse = json_error(503, "shopify_unavailable")
    else:
        response = error_page(
            request,
            status=503,
            title="Shopify is not answering right now",
            message="We could not connect your store just now. Please try again in a minute.",
            shop=shop,
            link=(admin_app_url(shop), "Try again"),
            embedded=True,
        )
    response["Retry-After"] = "30"
    return response


def _bounce(request: HttpRequest, shop: str) -> HttpResponse:
    """Send a document load to the page where App Bridge fetches a fresh token."""
    query = request.GET.copy()
    query.pop("id_token", None)
    reload_path = request.path + (f"?{query.urlencode()}" if query else "")
    target = {"shop": shop, "shopify-reload": reload_path}
    if request.GET.get("host"):
        target["host"] = request.GET["host"]
    return HttpResponseRedirect(f"{reverse('shopify_app:session_token')}?{urlencode(target)}")


def _query_shop(request: HttpRequest) -> str | None:
    """The unverified `shop` parameter, normalised: only used to address the bounce page
    and to let that shop's admin frame an error page, never to select data."""
    try:
        return normalise_shop_domain(request.GET.get("shop"))
    except InvalidShopDomain:
        return None


def _prefers_json(request: HttpRequest) -> bool:
    return request.method not in ("GET", "HEAD") or "application/json" in request.headers.get(
        "Accept", ""
    )
