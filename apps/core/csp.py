"""Content-Security-Policy for every HTML page we serve (the Django admin aside).

Scripts and <style> elements run only from our own origin or with this response's nonce;
the embedded admin pages may also load App Bridge from Shopify's CDN. Style *attributes*
stay allowed (the templates use them for layout; they cannot run code). Views that set a
directive themselves (the per-shop `frame-ancestors`, apps.shopify_app.responses) keep it;
any page without one may not be framed at all.

Templates put `nonce="{{ csp_nonce }}"` on inline <script>/<style> elements; htmx gets the
same nonce for the scripts and styles it inserts (`inlineScriptNonce` in htmx-config).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
# The App Bridge script and what it loads (apps.shopify_app.views.APP_BRIDGE_SRC).
APP_BRIDGE_ORIGIN = "https://cdn.shopify.com"
# Pages that load App Bridge: the embedded dashboard and the install/token-bounce pages.
EMBEDDED_PREFIXES = ("/app/", "/shopify/")
# The Django admin ships its own inline assets and is not ours to police.
EXEMPT_PREFIXES = ("/admin/",)


def policy(nonce: str, *, embedded: bool) -> dict[str, str]:
    shopify = f" {APP_BRIDGE_ORIGIN}" if embedded else ""
    return {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'{shopify}",
        "style-src": f"'self' 'nonce-{nonce}'{shopify}",
        "style-src-attr": "'unsafe-inline'",
        "img-src": f"'self' data:{shopify}",
        "font-src": f"'self'{shopify}",
        "connect-src": f"'self'{shopify}",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def _merged(existing: str, ours: dict[str, str]) -> str:
    directives = dict(ours)
    for part in existing.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()  # the view's own directive wins
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if request.path.startswith(EXEMPT_PREFIXES):
            return response
        embedded = request.path.startswith(EMBEDDED_PREFIXES)
        ours = policy(nonce, embedded=embedded)
        response[HEADER] = _merged(response.get(HEADER, ""), ours)
        return response


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `{{ csp_nonce }}` (also read by django-htmx's tags)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
