"""Rendering dashboard pages: the shared context every page of templates/dashboard needs.

Pages extend "dashboard/base.html" and are rendered with `render_page(request, template,
context, nav="...")`; partials answering htmx requests are rendered with plain `render`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from apps.dashboard.auth import presented_token
from apps.shopify_app.embedded import EmbeddedRequest
from apps.shopify_app.views import APP_BRIDGE_SRC
from apps.stores.models import Platform

# Admin `host` parameters are base64 of "admin.shopify.com/store/<name>".
_HOST_PARAM = re.compile(r"^[A-Za-z0-9+/=_-]{1,255}$")


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    suffix: str  # under the dashboard's mount point (/app/)


# Analytics and billing pages are added by their own modules (apps/dashboard/urls.py).
NAV: tuple[NavItem, ...] = (
    NavItem("home", "Home", ""),
    NavItem("conversations", "Conversations", "conversations/"),
    NavItem("settings", "Settings", "settings/"),
    NavItem("analytics", "Analytics", "analytics/"),
    NavItem("integrations", "Integrations", "integrations/"),
    NavItem("billing", "Billing", "billing/"),
)


def link_query(request: EmbeddedRequest) -> str:
    """`?shop=..&host=..` for links between pages: a plain reload inside the Shopify admin
    then finds its way back through the session-token bounce page. Never the token."""
    params: dict[str, str] = {}
    if request.store.platform in (Platform.BIGCOMMERCE, Platform.WOOCOMMERCE):
        # Names the platform only, so a reload without a token can say where to go back to.
        params["via"] = str(request.store.platform)
    if request.store.platform == Platform.SHOPIFY:
        params["shop"] = request.store.domain
        host = request.GET.get("host", "")
        if _HOST_PARAM.fullmatch(host):
            params["host"] = host
    return f"?{urlencode(params)}" if params else ""


def page_url(
    request: EmbeddedRequest, name: str, *args: object, params: dict[str, str] | None = None
) -> str:
    """reverse("dashboard:<name>") with the link query (and `params`) appended."""
    query = link_query(request)
    if params:
        query = f"{query}&{urlencode(params)}" if query else f"?{urlencode(params)}"
    return reverse(f"dashboard:{name}", args=args) + query


def base_context(request: EmbeddedRequest, *, nav: str = "") -> dict[str, Any]:
    """What every page and fragment may use: the store, link query, navigation."""
    root = reverse("dashboard:home")
    query = link_query(request)
    is_demo = request.store.platform == Platform.DEMO
    return {
        "store": request.store,
        "api_key": settings.SHOPIFY_API_KEY,
        # App Bridge outside a Shopify admin would send the demo off to one: not for the demo.
        "app_bridge_src": "" if is_demo else APP_BRIDGE_SRC,
        "page_token": getattr(request, "page_token", "") or presented_token(request),
        "is_demo": is_demo,
        "link_query": query,
        "nav_items": [
            {"key": i.key, "label": i.label, "url": f"{root}{i.suffix}{query}"} for i in NAV
        ],
        "nav_active": nav,
    }


def render_page(
    request: EmbeddedRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    nav: str,
    status: int = 200,
) -> HttpResponse:
    """A full dashboard page (base.html and its navigation) for `request.store`."""
    common = base_context(request, nav=nav)
    return render(request, template, {**common, **(context or {})}, status=status)
