"""The storefront chat card of a WooCommerce store's home page: the widget key for the
plugin, the plugin's claim secret pasted back, and a notice to acknowledge."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from apps.dashboard.auth import dashboard_view
from apps.dashboard.views.common import partial
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import Platform
from apps.woocommerce_app.storefront import (
    POLICY_KINDS,
    InvalidClaimSecret,
    InvalidPolicyPage,
    claim_secret_set,
    notice_dismiss,
    policy_pages_set,
    storefront_setup,
)

CARD = "dashboard/partials/woocommerce_storefront.html"


def _card(
    request: EmbeddedRequest, *, status: int = 200, toast: str = "", error: str = ""
) -> HttpResponse:
    context = {"woo": storefront_setup(request.store), "woo_error": error}
    return partial(request, CARD, context, status=status, toast=toast)


def _not_woocommerce(request: EmbeddedRequest) -> bool:
    return request.store.platform != Platform.WOOCOMMERCE


@dashboard_view
@require_POST
def claim_secret(request: EmbeddedRequest) -> HttpResponse:
    if _not_woocommerce(request):
        return HttpResponse(status=404)
    try:
        claim_secret_set(store=request.store, secret=request.POST.get("claim_secret", "")[:300])
    except InvalidClaimSecret as exc:
        return _card(request, status=400, error=str(exc))
    return _card(request, toast="Logged-in customers are now recognised")


@dashboard_view
@require_POST
def policy_pages(request: EmbeddedRequest) -> HttpResponse:
    if _not_woocommerce(request):
        return HttpResponse(status=404)
    pages = {kind: request.POST.get(f"{kind}_page", "") for kind in POLICY_KINDS}
    try:
        policy_pages_set(store=request.store, pages=pages)
    except InvalidPolicyPage as exc:
        return _card(request, status=400, error=str(exc))
    return _card(request, toast="Your policy pages are being imported")


@dashboard_view
@require_POST
def dismiss_notice(request: EmbeddedRequest) -> HttpResponse:
    if _not_woocommerce(request):
        return HttpResponse(status=404)
    notice_dismiss(store=request.store)
    return _card(request)
