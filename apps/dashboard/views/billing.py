"""The billing page (/app/billing/), subscribing, and Shopify's return URL.

Every view is a dashboard view: the store comes from the verified session token only.
The page is never gated: a store without a plan sees the plans to choose from.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from apps.billing import api
from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.billing.plans import PLANS, live_features
from apps.billing.selectors import (
    current_subscription,
    cycle_usage,
    free_during_beta,
    ledger_page,
    store_has_active_plan,
    trial_ends_at,
)
from apps.billing.subscriptions import (
    BillingUnavailable,
    subscription_confirm,
    subscription_start,
)
from apps.dashboard.auth import dashboard_view
from apps.dashboard.rendering import page_url, render_page
from apps.dashboard.views.common import FORM_ERRORS, partial
from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.shopify.errors import ShopifyGraphQLError
from apps.shopify_app.embedded import EmbeddedRequest
from apps.shopify_app.responses import admin_app_url
from apps.stores.models import Platform

logger = logging.getLogger(__name__)

_NOTICES = {
    SubscriptionStatus.ACTIVE: ("success", "Your plan is active. Thank you!"),
    SubscriptionStatus.PENDING: (
        "warning",
        "Shopify has not confirmed your approval yet. If you declined, choose a plan again.",
    ),
    SubscriptionStatus.DECLINED: ("critical", "You declined the charge. No plan is active."),
    SubscriptionStatus.EXPIRED: ("critical", "The approval request expired. Choose a plan again."),
}


def _page_context(request: EmbeddedRequest) -> dict[str, Any]:
    store, now = request.store, timezone.now()
    subscription = current_subscription(store)
    live = subscription is not None and subscription.status in (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.FROZEN,
    )
    return {
        "plans": list(PLANS.values()),
        "live": live_features(),  # features made of integrations not built yet: coming soon
        "subscription": subscription,
        "subscription_live": live,
        "has_plan": store_has_active_plan(store),
        "can_subscribe": store.platform == Platform.SHOPIFY,
        "free_beta": free_during_beta(store),
        "trial_ends_at": trial_ends_at(subscription) if subscription else None,
        "usage": cycle_usage(subscription, now) if live and subscription else None,
        "now": now,
        "ledger": ledger_page(store, request.GET.get("page")),
        "subscribe_url": page_url(request, "billing-subscribe"),
    }


@dashboard_view
@require_safe
def billing_page(request: EmbeddedRequest) -> HttpResponse:
    """GET: the plan in force (trial, status), the plans, and the ledger against the cap."""
    return render_page(request, "dashboard/billing.html", _page_context(request), nav="billing")


@dashboard_view
@require_POST
def subscribe(request: EmbeddedRequest) -> HttpResponse:
    """POST plan=<key>: create the subscription at Shopify, then send the whole admin
    window (not our iframe) to Shopify's approval page."""
    plan_key = str(request.POST.get("plan", ""))[:30]
    try:
        confirmation_url = subscription_start(request.store, plan_key)
    except (BillingUnavailable, api.BillingRejected) as exc:
        return _subscribe_failed(request, str(exc))
    except TransientCommerceError:
        return _subscribe_failed(request, "Shopify did not answer in time. Please try again.")
    except ReauthorizationRequired:
        return _subscribe_failed(
            request,
            "Shopify no longer accepts Aftersale's access to your store. Re-open the app "
            "from your Shopify admin, then choose a plan.",
            link=admin_app_url(request.store.domain),
        )
    except ShopifyGraphQLError:
        logger.exception("billing: subscription create failed store_id=%s", request.store.pk)
        return _subscribe_failed(request, "Shopify could not create the subscription.")
    return partial(
        request, "dashboard/billing_redirect.html", {"confirmation_url": confirmation_url}
    )


def _subscribe_failed(request: EmbeddedRequest, message: str, link: str = "") -> HttpResponse:
    context = {"message": message, "link": link}
    return partial(request, "dashboard/billing_error.html", context, status=FORM_ERRORS)


@dashboard_view
@require_safe
def confirm(request: EmbeddedRequest) -> HttpResponse:
    """The return URL: Shopify sends the merchant back here (`charge_id`) after approving
    or declining. The state shown is what Shopify reports, never the query string."""
    charge_id = str(request.GET.get("charge_id", ""))[:30]
    notice: tuple[str, str] | None = None
    if request.store.platform == Platform.SHOPIFY:
        notice = _confirmed(request, charge_id)
    context = {**_page_context(request), "notice": notice}
    return render_page(request, "dashboard/billing.html", context, nav="billing")


def _confirmed(request: EmbeddedRequest, charge_id: str) -> tuple[str, str]:
    try:
        subscription: AppSubscription | None = subscription_confirm(request.store, charge_id)
    except (TransientCommerceError, ReauthorizationRequired, ShopifyGraphQLError) as exc:
        logger.warning(
            "billing: confirm failed store_id=%s: %s", request.store.pk, type(exc).__name__
        )
        return ("warning", "We could not reach Shopify to confirm your plan. Reload in a minute.")
    if subscription is None:
        return ("warning", "No plan is active yet. Choose a plan below.")
    return _NOTICES.get(
        SubscriptionStatus(subscription.status),
        ("warning", f"Your subscription is {subscription.get_status_display().lower()}."),
    )
