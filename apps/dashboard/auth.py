"""`@dashboard_view`: every dashboard page and action runs for a verified session token only.

It is shopify_app's `@embedded_view` (App Bridge session tokens: Bearer header
for htmx/fetch, `id_token` on a document GET, token exchange on first load, 401 + retry
header or the bounce page when the token is missing or bad, per-shop frame-ancestors),
plus our own store-session token for BigCommerce and WooCommerce merchants (see
store_session), and one more way in that exists only with DEBUG on: a locally minted
demo-store token (see demo_tokens). `request.store` comes from the verified token and
nothing else.

Every response is `Cache-Control: private, no-store`: pages carry the merchant's data and
the session token they were loaded with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from apps.dashboard.demo_tokens import (
    DemoTokenError,
    is_demo_token,
    mint_demo_token,
    verify_demo_token,
)
from apps.dashboard.store_session import (
    REFRESH_HEADER,
    StoreSessionError,
    frame_ancestors_for,
    is_store_session_token,
    refreshed_token,
    verify_store_session,
)
from apps.integrations.commerce.demo.data import DEMO_DOMAIN
from apps.shopify_app.embedded import EmbeddedRequest, EmbeddedView, embedded_view
from apps.shopify_app.responses import (
    RETRY_INVALID_SESSION_HEADER,
    error_page,
    json_error,
    set_frame_ancestors,
)
from apps.shopify_app.session_tokens import SessionTokenClaims
from apps.stores.models import Platform, Store, StoreStatus

logger = logging.getLogger(__name__)

P = ParamSpec("P")


def presented_token(request: HttpRequest) -> str:
    """The session token this request carries ("" when none): Bearer, or id_token on GET."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    if request.method in ("GET", "HEAD"):
        return request.GET.get("id_token", "")
    return ""


def dashboard_view(
    view: EmbeddedView[P],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Authenticate like @embedded_view (plus the DEBUG-only demo token), never cache.
    The page renders its times in the store's own time zone."""
    view = _in_store_zone(view)
    shopify_view = embedded_view(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        token = presented_token(request)
        if settings.DEBUG and not token and _demo_page_load(request):
            token = _fresh_demo_token()
        # With DEBUG off a demo token is not special: the Shopify path refuses it.
        if is_store_session_token(token):
            response = _store_session(request, token, view, *args, **kwargs)
        elif settings.DEBUG and is_demo_token(token):
            response = _demo(request, token, view, *args, **kwargs)
        elif not token and request.GET.get("via") in _SESSION_PLATFORM_VALUES:
            response = _store_session_refused(request)
        else:
            response = shopify_view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response

    # Session tokens are never ambient (no cookie), so there is nothing for CSRF to protect.
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _in_store_zone(view: EmbeddedView[P]) -> EmbeddedView[P]:
    """Render in the store's time zone: "05:36" on a transcript is the merchant's 05:36,
    whatever zone the server or the person looking at it is in (pages render eagerly, so
    the override covers the template)."""

    @wraps(view)
    def zoned(request: EmbeddedRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        with timezone.override(request.store.zone):
            return view(request, *args, **kwargs)

    return zoned


def _demo(
    request: HttpRequest,
    token: str,
    view: EmbeddedView[P],
    *args: P.args,
    **kwargs: P.kwargs,
) -> HttpResponse:
    try:
        store, claims = verify_demo_token(token)
    except DemoTokenError as exc:
        logger.info("demo session token rejected path=%s: %s", request.path, exc)
        return _demo_refused(request)
    embedded = _as_embedded(request, store, claims)
    request.page_token = token  # type: ignore[attr-defined]  # the page's own, maybe minted
    # The demo is opened on its own, never framed by an admin.
    return set_frame_ancestors(view(embedded, *args, **kwargs), None)


_SESSION_PLATFORM_VALUES = {str(Platform.BIGCOMMERCE), str(Platform.WOOCOMMERCE)}


def _store_session(
    request: HttpRequest,
    token: str,
    view: EmbeddedView[P],
    *args: P.args,
    **kwargs: P.kwargs,
) -> HttpResponse:
    try:
        session, store = verify_store_session(token)
    except StoreSessionError as exc:
        logger.info("store session rejected path=%s: %s", request.path, exc)
        return _store_session_refused(request)
    claims = SessionTokenClaims(
        shop=store.domain,
        user_id=session.user_id,
        session_id="",
        jti=session.jti,
        expires_at=session.expires_at,
    )
    embedded = _as_embedded(request, store, claims)
    request.page_token = token  # type: ignore[attr-defined]
    response = view(embedded, *args, **kwargs)
    fresh = refreshed_token(session)
    if fresh:
        response[REFRESH_HEADER] = fresh
    return _frame_ancestors(response, frame_ancestors_for(store))


def _frame_ancestors(response: HttpResponse, sources: str) -> HttpResponse:
    """Keep the response's CSP, with our frame-ancestors: the store's control panel or none."""
    set_frame_ancestors(response, None)
    if sources and response.get("Content-Type", "").startswith("text/html"):
        response["Content-Security-Policy"] = response["Content-Security-Policy"].replace(
            "frame-ancestors 'none';", f"frame-ancestors {sources};"
        )
        response.xframe_options_exempt = True
    return response


def _store_session_refused(request: HttpRequest) -> HttpResponse:
    if "Authorization" in request.headers or request.method not in ("GET", "HEAD"):
        response: HttpResponse = json_error(401, "invalid_session_token")
    else:
        response = error_page(
            request,
            status=401,
            title="Please open Aftersale again",
            message="Your session has ended. Open Aftersale again from your store's control "
            "panel (BigCommerce) or sign in again (WooCommerce).",
        )
    response[RETRY_INVALID_SESSION_HEADER] = "1"
    return response


def _demo_page_load(request: HttpRequest) -> bool:
    """A page opened by hand in the local demo (a reload, a typed or bookmarked URL): a
    document GET with no token, and not Shopify loading the app (which names the shop)."""
    return (
        request.method == "GET"
        and "HX-Request" not in request.headers
        and "shop" not in request.GET
        and "host" not in request.GET
    )


def _fresh_demo_token() -> str:
    """A new demo-store token ("" when there is no demo store): with DEBUG on, reloading
    the demo dashboard keeps working instead of asking for a new link. Production never
    gets here; there App Bridge provides a fresh token on every load."""
    store = Store.objects.filter(
        platform=Platform.DEMO, domain=DEMO_DOMAIN, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        return ""
    try:
        return mint_demo_token(store)
    except DemoTokenError:
        return ""


def _as_embedded(request: HttpRequest, store: Store, claims: SessionTokenClaims) -> EmbeddedRequest:
    request.store = store  # type: ignore[attr-defined]
    request.shopify_session = claims  # type: ignore[attr-defined]
    return request  # type: ignore[return-value]


def _demo_refused(request: HttpRequest) -> HttpResponse:
    if "Authorization" in request.headers:
        response: HttpResponse = json_error(401, "invalid_session_token")
    else:
        response = error_page(
            request,
            status=401,
            title="This demo link has expired",
            message="Demo dashboard links live a few minutes. Open the demo dashboard again "
            "below, or print a fresh link in a terminal:",
            command="make demo-link",
            link=(reverse("dashboard:home"), "Open the demo dashboard"),
        )
    response[RETRY_INVALID_SESSION_HEADER] = "1"
    return response
