"""Install entry points (classic OAuth) and the token bounce page.

Views only parse, verify and call one service; every failure is a plain page that says
what happened and what to do next, and changes nothing.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.core.clients import client_address
from apps.shopify_app.errors import TokenRequestRefused
from apps.shopify_app.install import install_seconds_to_wait, store_install_from_code
from apps.shopify_app.oauth_state import oauth_state_consume, oauth_state_issue
from apps.shopify_app.responses import admin_app_url, error_page, set_frame_ancestors
from apps.shopify_app.security import (
    InvalidShopDomain,
    normalise_shop_domain,
    timestamp_is_fresh,
    verify_query_hmac,
)
from apps.shopify_app.tokens import TRANSIENT_TOKEN_ERRORS

logger = logging.getLogger(__name__)

APP_BRIDGE_SRC = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
MAX_CODE_LENGTH = 256


@require_GET
def session_token_bounce(request: HttpRequest) -> HttpResponse:
    """A page that only loads App Bridge, which reloads `shopify-reload` with a fresh id_token."""
    try:
        shop = normalise_shop_domain(request.GET.get("shop"))
    except InvalidShopDomain:
        return _bad_shop(request)
    reload_path = request.GET.get("shopify-reload", "")
    if not _is_local_path(reload_path):
        return error_page(
            request,
            status=400,
            title="This link is not valid",
            message="Open Aftersale again from your Shopify admin.",
            link=(admin_app_url(shop), "Open Aftersale"),
        )
    context = {"api_key": settings.SHOPIFY_API_KEY, "app_bridge_src": APP_BRIDGE_SRC}
    return set_frame_ancestors(render(request, "shopify_app/bounce.html", context), shop)


@require_GET
def install(request: HttpRequest) -> HttpResponse:
    """GET /shopify/install?shop=...: start the authorization-code grant for one shop."""
    shop = _single_shop(request)
    if shop is None:
        return _bad_shop(request)
    # Links from Shopify are signed; a merchant typing their shop into our URL is not.
    if "hmac" in request.GET and not _signed_and_fresh(request):
        logger.info("install refused shop=%s: bad or stale hmac", shop)
        return _unverified(request)
    wait = install_seconds_to_wait(address=client_address(request), shop=shop)
    if wait:
        logger.info("install throttled shop=%s", shop)
        return _throttled(request, wait)
    state = oauth_state_issue(shop=shop)
    query = urlencode(
        {
            "client_id": settings.SHOPIFY_API_KEY,
            "scope": settings.SHOPIFY_SCOPES,
            "redirect_uri": f"{settings.APP_URL}{reverse('shopify_app:callback')}",
            "state": state,
        }
    )
    return HttpResponseRedirect(f"https://{shop}/admin/oauth/authorize?{query}")


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """GET /shopify/callback: verify everything, exchange the code, install, open the app."""
    shop = _single_shop(request)
    if shop is None:
        return _bad_shop(request)
    # Signature and freshness before the state, so forgeries cannot burn a real nonce.
    if not _signed_and_fresh(request):
        logger.info("oauth callback refused shop=%s: bad or stale hmac", shop)
        return _unverified(request)
    code = request.GET.get("code", "")
    if not code or len(code) > MAX_CODE_LENGTH:
        return _restart(request, shop, status=400, title="Shopify did not send an authorization")
    if not oauth_state_consume(shop=shop, nonce=request.GET.get("state", "")):
        logger.info("oauth callback refused shop=%s: unknown, used or expired state", shop)
        return _restart(request, shop, status=400, title="This installation link has expired")
    try:
        store_install_from_code(shop=shop, code=code)
    except TokenRequestRefused as exc:
        logger.warning("oauth callback: code refused shop=%s error=%s", shop, exc.error)
        return _restart(request, shop, status=400, title="Shopify did not accept the authorization")
    except TRANSIENT_TOKEN_ERRORS as exc:
        logger.warning("oauth callback: no token yet shop=%s: %s", shop, type(exc).__name__)
        return _restart(request, shop, status=502, title="Shopify is not answering right now")
    return HttpResponseRedirect(admin_app_url(shop))


def _single_shop(request: HttpRequest) -> str | None:
    values = request.GET.getlist("shop")
    if len(values) != 1:
        return None
    try:
        return normalise_shop_domain(values[0])
    except InvalidShopDomain:
        return None


def _signed_and_fresh(request: HttpRequest) -> bool:
    return verify_query_hmac(dict(request.GET.lists())) and timestamp_is_fresh(
        request.GET.get("timestamp")
    )


def _is_local_path(value: str) -> bool:
    """A path on this site: '/x...', never '//host' or '/\\host' (browsers treat both as hosts)."""
    return (
        value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and value.isprintable()
        and len(value) <= 2048
    )


def _bad_shop(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        status=400,
        title="That is not a Shopify store address",
        message="Use your store's myshopify.com address, for example your-store.myshopify.com, "
        "or install Aftersale from the Shopify App Store.",
    )


def _unverified(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        status=400,
        title="We could not verify this request",
        message="This link did not come from Shopify or is too old. Start the installation "
        "again from your Shopify admin or the App Store.",
    )


def _throttled(request: HttpRequest, wait: int) -> HttpResponse:
    response = error_page(
        request,
        status=429,
        title="Too many installation attempts",
        message=f"Please wait {wait} seconds, then start the installation again from your "
        "Shopify admin or the App Store.",
    )
    response["Retry-After"] = str(wait)
    return response


def _restart(request: HttpRequest, shop: str, *, status: int, title: str) -> HttpResponse:
    again = f"{reverse('shopify_app:install')}?{urlencode({'shop': shop})}"
    return error_page(
        request,
        status=status,
        title=title,
        message="Nothing was installed. Please start the installation again; if it keeps "
        "failing, wait a minute and retry.",
        link=(again, "Start again"),
    )
