"""The home page: onboarding checklist and what needs the merchant's attention."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST, require_safe

from apps.dashboard.auth import dashboard_view
from apps.dashboard.models import OnboardingStep
from apps.dashboard.rendering import page_url, render_page
from apps.dashboard.selectors.inbox import awaiting_approval_count
from apps.dashboard.selectors.onboarding import onboarding_checklist
from apps.dashboard.services.onboarding import onboarding_mark_done
from apps.dashboard.views.common import actor, partial
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import KnowledgeEntry, Platform
from apps.stores.services import store_settings
from apps.woocommerce_app.storefront import storefront_setup


@dashboard_view
@require_safe
def home(request: EmbeddedRequest) -> HttpResponse:
    """GET /app/: the entry point Shopify loads (first load exchanges the session token)."""
    checklist = onboarding_checklist(request.store)
    context = {
        "checklist": checklist,
        "done_count": sum(1 for item in checklist if item.done),
        "awaiting": awaiting_approval_count(request.store),
        "rules": store_settings(request.store),
        "knowledge_count": KnowledgeEntry.objects.filter(store=request.store).count(),
        "approvals_url": page_url(request, "conversations", params={"needs_approval": "on"}),
        "woo": storefront_setup(request.store)
        if request.store.platform == Platform.WOOCOMMERCE
        else None,
    }
    return render_page(request, "dashboard/home.html", context, nav="home")


@dashboard_view
@require_POST
def widget_done(request: EmbeddedRequest) -> HttpResponse:
    """POST: the merchant says the theme's app embed is on (no API can tell us)."""
    onboarding_mark_done(
        store=request.store, step=OnboardingStep.WIDGET_ENABLED, actor=actor(request)
    )
    checklist = onboarding_checklist(request.store)
    context = {"checklist": checklist, "done_count": sum(1 for i in checklist if i.done)}
    return partial(request, "dashboard/partials/checklist.html", context, toast="Marked as done")
