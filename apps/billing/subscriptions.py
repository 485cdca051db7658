"""Subscribing a store to a plan, and keeping its subscription's state as Shopify reports it.

Flow: `subscription_start` creates the subscription at Shopify (PENDING) and stores it;
the merchant approves on Shopify's page (top-level redirect to the confirmation URL);
Shopify sends them back to the return URL, where `subscription_confirm` asks Shopify
which subscriptions are active; app_subscriptions/update deliveries go through
`subscription_apply_update`. Whatever path brings a status, `_apply` writes it: under a
row lock, never older over newer, terminal states final, one ACTIVE per store.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.billing import api
from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.billing.plans import Plan, plan_named
from apps.billing.schemas import Subscription, SubscriptionWebhook
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.shopify_app.responses import admin_app_url
from apps.stores.models import Platform, Store

logger = logging.getLogger(__name__)

TERMINAL = frozenset(
    {SubscriptionStatus.DECLINED, SubscriptionStatus.EXPIRED, SubscriptionStatus.CANCELLED}
)
CURRENT = (SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN)
# Pending subscriptions whose fate the return URL looks up (newest first).
_PENDING_CHECKED = 3


class BillingUnavailable(Exception):
    """This store cannot subscribe (unknown plan, not a Shopify store, already on it)."""


def billing_return_url(store: Store) -> str:
    """Where Shopify sends the merchant after the approval page: back into the embedded
    admin, which loads /app/billing/confirm with a fresh session token."""
    return f"{admin_app_url(store.domain)}/billing/confirm"


def subscription_start(store: Store, plan_key: str) -> str:
    """Create a PENDING subscription to `plan_key` at Shopify; returns the confirmation URL.

    Test charges on development stores and when settings.SHOPIFY_BILLING_TEST is on.
    Raises BillingUnavailable, api.BillingRejected (Shopify's userErrors), or the client's
    errors (ShopifyBusy, ReauthorizationRequired, ShopifyGraphQLError). Not idempotent:
    each call is a new pending subscription (Shopify expires unapproved ones in 2 days).
    """
    plan = _plan_for(store, plan_key)
    client = ShopifyClient(store)
    try:
        test = bool(settings.SHOPIFY_BILLING_TEST) or api.shop_is_development(client)
        created = api.subscription_create(
            client, plan=plan, return_url=billing_return_url(store), test=test
        )
    finally:
        client.close()
    _record_created(store, plan, created.subscription, test=test)
    logger.info(
        "billing: subscription created store_id=%s plan=%s test=%s", store.pk, plan.key, test
    )
    return created.confirmation_url


def _plan_for(store: Store, plan_key: str) -> Plan:
    plan = plan_named(plan_key)
    if plan is None:
        raise BillingUnavailable("There is no such plan.")
    if store.platform != Platform.SHOPIFY or not store.is_installed:
        raise BillingUnavailable("Only an installed Shopify store can subscribe.")
    on_it = AppSubscription.objects.filter(
        store=store, plan_key=plan.key, status=SubscriptionStatus.ACTIVE
    ).exists()
    if on_it:
        raise BillingUnavailable(f"You are on the {plan.name} plan already.")
    return plan


def _record_created(store: Store, plan: Plan, created: Subscription, *, test: bool) -> None:
    usage = created.usage_item()
    AppSubscription.objects.create(
        store=store,
        shopify_id=created.id,
        plan_key=plan.key,
        name=plan.name,
        # Shopify answers PENDING; anything else is recorded by the return URL check.
        status=SubscriptionStatus.PENDING,
        test=test,
        trial_days=plan.trial_days,
        currency=plan.currency,
        recurring_price=plan.recurring_price,
        usage_price=plan.usage_price,
        capped_amount=plan.capped_amount,
        usage_line_item_id=usage.id if usage else "",
    )


def subscription_sync(store: Store, client: ShopifyClient) -> AppSubscription | None:
    """Bring our rows in line with Shopify: the active subscription (with its cycle and
    usage balance), and the fate of the others we hold open. Returns the active one.

    Raises the client's errors; rows already updated stay updated.
    """
    now = timezone.now()
    active: AppSubscription | None = None
    for remote in api.active_subscriptions(client):
        row = AppSubscription.objects.filter(store=store, shopify_id=remote.id).first()
        if row is None:
            logger.warning("billing: active subscription we did not create store_id=%s", store.pk)
            continue
        row = _apply(row, remote.status, at=now, details=remote)
        if row.status == SubscriptionStatus.ACTIVE:
            active = row
    _check_unlisted(store, client, listed_active=active, at=now)
    return active


def _check_unlisted(
    store: Store, client: ShopifyClient, *, listed_active: AppSubscription | None, at: datetime
) -> None:
    """Ask Shopify about our rows it did not list as active: the newest pending ones (were
    they approved, declined, expired?) and any we hold as active or frozen (cancelled,
    replaced, frozen?)."""
    pending = AppSubscription.objects.filter(store=store, status=SubscriptionStatus.PENDING)
    current = AppSubscription.objects.filter(store=store, status__in=CURRENT)
    if listed_active is not None:
        current = current.exclude(pk=listed_active.pk)
    rows = [*pending.order_by("-created_at")[:_PENDING_CHECKED], *current]
    for row in rows:
        status = api.subscription_status(client, row.shopify_id)
        if status is None:
            # No answer about it: keep what we have; its webhook will tell.
            logger.warning("billing: Shopify did not report subscription %s", row.pk)
        elif status != row.status and status in SubscriptionStatus.values:
            _apply(row, status, at=at)


def subscription_confirm(store: Store, charge_id: str) -> AppSubscription | None:
    """The return URL: sync with Shopify, then the subscription `charge_id` names (only
    among this store's), else the active one. Raises the client's errors."""
    client = ShopifyClient(store)
    try:
        active = subscription_sync(store, client)
    finally:
        client.close()
    if charge_id.isdigit():
        named = AppSubscription.objects.filter(
            store=store, shopify_id=f"gid://shopify/AppSubscription/{charge_id}"
        ).first()
        if named is not None:
            return named
    return active


def subscription_apply_update(store: Store, update: SubscriptionWebhook) -> str:
    """app_subscriptions/update: record Shopify's new status. Returns what happened
    ("updated", "stale", "unknown"). Only this store's subscriptions are looked at."""
    row = AppSubscription.objects.filter(
        store=store, shopify_id=update.admin_graphql_api_id
    ).first()
    if row is None:
        return "unknown"
    if update.status not in SubscriptionStatus.values:
        return "unknown status"
    at = update.updated_at or timezone.now()
    before = (row.status, row.shopify_updated_at)
    row = _apply(row, update.status, at=at)
    return "updated" if (row.status, row.shopify_updated_at) != before else "stale"


def _apply(
    row: AppSubscription, status: str, *, at: datetime, details: Subscription | None = None
) -> AppSubscription:
    """Write `status` (as of `at`) unless the row holds a newer or terminal state."""
    now = timezone.now()
    with transaction.atomic():
        row = AppSubscription.objects.select_for_update().get(pk=row.pk)
        if row.status in TERMINAL or _older(status, at, row):
            return row
        if status == SubscriptionStatus.ACTIVE:
            # Approving a new subscription replaces the store's previous one at Shopify.
            _end_others(row, now)
            row.activated_at = row.activated_at or now
        if status in TERMINAL:
            row.ended_at = now
        row.status = status
        row.shopify_updated_at = at
        if details is not None:
            _copy_details(row, details, now)
        row.save()
    return row


def _older(status: str, at: datetime, row: AppSubscription) -> bool:
    """A non-final status older than the one we hold. A final one (cancelled, declined,
    expired) is never stale: Shopify cannot leave it, whatever the clocks say."""
    return status not in TERMINAL and bool(row.shopify_updated_at and at < row.shopify_updated_at)


def _end_others(row: AppSubscription, now: datetime) -> None:
    AppSubscription.objects.filter(store_id=row.store_id, status__in=CURRENT).exclude(
        pk=row.pk
    ).update(status=SubscriptionStatus.CANCELLED, ended_at=now)


def _copy_details(row: AppSubscription, remote: Subscription, now: datetime) -> None:
    row.test = remote.test
    row.current_period_end = remote.currentPeriodEnd
    usage = remote.usage_item()
    if usage is not None:
        row.usage_line_item_id = usage.id
        details = usage.plan.pricingDetails
        if details.balanceUsed is not None:
            row.balance_used = details.balanceUsed.amount
        if details.cappedAmount is not None:
            row.capped_amount = details.cappedAmount.amount
    row.synced_at = now
