"""Responses shared by the install views and the embedded-admin decorator.

Embedded pages may be framed by exactly one shop's admin (Shopify's App Store check:
per-shop `frame-ancestors`, never a wildcard); everything else may not be framed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

RETRY_INVALID_SESSION_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
ADMIN_ORIGIN = "https://admin.shopify.com"


def frame_ancestors(shop: str | None) -> str:
    if shop:
        return f"frame-ancestors https://{shop} {ADMIN_ORIGIN};"
    return "frame-ancestors 'none';"


def set_frame_ancestors(response: HttpResponse, shop: str | None) -> HttpResponse:
    """Put our frame-ancestors directive on an HTML response, keeping its other directives.

    `shop` must be a normalised shop domain (see security.normalise_shop_domain).
    """
    if not response.get("Content-Type", "").startswith("text/html"):
        return response
    kept = [
        part.strip()
        for part in response.get("Content-Security-Policy", "").split(";")
        if part.strip() and not part.strip().lower().startswith("frame-ancestors")
    ]
    response["Content-Security-Policy"] = "; ".join([*kept, frame_ancestors(shop)])
    if shop:
        # CSP decides who may frame us; the legacy X-Frame-Options DENY would block the admin.
        response.xframe_options_exempt = True
    return response


def admin_app_url(shop: str) -> str:
    """Where the merchant opens (or re-opens) Aftersale inside their Shopify admin."""
    return f"https://{shop}/admin/apps/{settings.SHOPIFY_API_KEY}"


def error_page(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    message: str,
    shop: str | None = None,
    link: tuple[str, str] | None = None,
    embedded: bool = False,
    command: str = "",
) -> HttpResponse:
    """A plain, self-explanatory error page. `link` is (url, label) for the way forward;
    `command` is a shell command shown as code, to copy as printed."""
    context = {
        "title": title,
        "message": message,
        "link": link,
        "embedded": embedded,
        "command": command,
    }
    response = render(request, "shopify_app/error.html", context, status=status)
    return set_frame_ancestors(response, shop if embedded else None)


def json_error(status: int, error: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": error, **extra}, status=status)
