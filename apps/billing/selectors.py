"""Reads about a store's plan and billing: for pages, for the agent's channels, for onboarding.

`store_has_active_plan` and `plan_allows` are what the rest of the product asks. The demo
store (platform demo) cannot subscribe through Shopify; it runs with the Growth plan's
features so a newcomer sees everything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum

from apps.billing.models import (
    AppSubscription,
    BillingLedgerEntry,
    LedgerStatus,
    SubscriptionStatus,
)
from apps.billing.plans import GROWTH, Plan, plan_named
from apps.stores.models import Platform, Store

CYCLE = timedelta(days=30)
LEDGER_PAGE_SIZE = 50
ZERO = Decimal("0.00")
# Entries that use up the cycle's cap: charged, or on their way to Shopify.
COUNTED = (LedgerStatus.PENDING, LedgerStatus.CHARGED)


def active_subscription(store: Store) -> AppSubscription | None:
    """The store's ACTIVE subscription (Shopify keeps at most one)."""
    return (
        AppSubscription.objects.filter(store=store, status=SubscriptionStatus.ACTIVE)
        .order_by("-created_at")
        .first()
    )


def current_subscription(store: Store) -> AppSubscription | None:
    """The subscription the billing page describes: active or frozen, else the newest."""
    rows = AppSubscription.objects.filter(store=store).order_by("-created_at")
    current = rows.filter(status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN]).first()
    return current or rows.first()


def free_during_beta(store: Store) -> bool:
    """Merchants of platforms we cannot bill through yet (BigCommerce, WooCommerce) use
    Growth free while settings.BILLING_FREE_DURING_BETA is on."""
    return settings.BILLING_FREE_DURING_BETA and store.platform in (
        Platform.BIGCOMMERCE,
        Platform.WOOCOMMERCE,
    )


def store_has_active_plan(store: Store) -> bool:
    """Whether the store may use Aftersale now: an approved (ACTIVE) Shopify subscription
    on an installed store. The installed demo store always has one (see module doc), and
    so does a store free during the beta."""
    if not store.is_installed:
        return False
    if store.platform == Platform.DEMO or free_during_beta(store):
        return True
    return AppSubscription.objects.filter(store=store, status=SubscriptionStatus.ACTIVE).exists()


def store_plan(store: Store) -> Plan | None:
    """The plan in force, or None without an active subscription."""
    if not store.is_installed:
        return None
    if store.platform == Platform.DEMO or free_during_beta(store):
        return GROWTH
    subscription = active_subscription(store)
    return plan_named(subscription.plan_key) if subscription else None


def plan_allows(store: Store, feature: str) -> bool:
    """Whether the store's plan includes `feature` (plans.Feature). No plan allows nothing."""
    plan = store_plan(store)
    return plan is not None and feature in plan.features


def trial_ends_at(subscription: AppSubscription) -> datetime | None:
    """End of the free trial, counted from approval (None before approval or without one)."""
    if not subscription.trial_days or subscription.activated_at is None:
        return None
    return subscription.activated_at + timedelta(days=subscription.trial_days)


def cycle_bounds(subscription: AppSubscription, now: datetime) -> tuple[datetime, datetime]:
    """The 30-day billing cycle containing `now`: Shopify's currentPeriodEnd when we have
    it, else cycles counted from approval."""
    anchor = subscription.current_period_end or (
        (subscription.activated_at or subscription.created_at) + CYCLE
    )
    # Whole cycles between the anchor's cycle and now (negative when now is earlier).
    shift = math.floor((now - (anchor - CYCLE)) / CYCLE)
    end = anchor + CYCLE * shift
    return end - CYCLE, end


@dataclass(frozen=True)
class CycleUsage:
    start: datetime
    end: datetime
    used: Decimal  # charged or being charged this cycle
    cap: Decimal
    charged: int
    skipped_cap: int
    free_trial: int

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.cap - self.used)

    @property
    def percent(self) -> int:
        return min(100, int(self.used * 100 / self.cap)) if self.cap else 0


def cycle_usage(subscription: AppSubscription, now: datetime) -> CycleUsage:
    """Usage of the cycle containing `now`: our ledger, or Shopify's balanceUsed if higher."""
    start, end = cycle_bounds(subscription, now)
    totals = BillingLedgerEntry.objects.filter(
        subscription=subscription, created_at__gte=start, created_at__lt=end
    ).aggregate(
        used=Sum("amount", filter=Q(status__in=COUNTED)),
        charged=Count("pk", filter=Q(status=LedgerStatus.CHARGED)),
        skipped=Count("pk", filter=Q(status=LedgerStatus.SKIPPED_CAP)),
        free=Count("pk", filter=Q(status=LedgerStatus.FREE_TRIAL)),
    )
    used = totals["used"] or ZERO
    synced = subscription.synced_at
    if synced is not None and start <= synced < end:
        used = max(used, subscription.balance_used)
    return CycleUsage(
        start=start,
        end=end,
        used=used,
        cap=subscription.capped_amount,
        charged=totals["charged"],
        skipped_cap=totals["skipped"],
        free_trial=totals["free"],
    )


def ledger_entries(store: Store) -> QuerySet[BillingLedgerEntry]:
    return BillingLedgerEntry.objects.filter(store=store).order_by("-created_at", "-pk")


def ledger_page(store: Store, number: str | int | None) -> Page[BillingLedgerEntry]:
    return Paginator(ledger_entries(store), LEDGER_PAGE_SIZE).get_page(number)
