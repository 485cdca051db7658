"""Charging each AI resolution once: the billing ledger as an outbox.

`billing_run_store(store_id)` (the periodic task's work for one store):

1. sync the subscription with Shopify when our copy is old (status, cycle, balance);
2. record every newly resolved conversation (billing.resolution) as a ledger row, in
   one transaction with the subscription row locked: free during the trial,
   skipped_cap when the charge would pass the cycle's cap, else pending;
3. send the pending rows: claim one (a conditional UPDATE), call appUsageRecordCreate
   with the row's idempotency key, then mark it charged, skipped_cap (Shopify says the
   cap is reached) or failed. A row whose call timed out stays pending and is sent again
   with the same key, which Shopify answers with the first record: never a double charge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.billing import api
from apps.billing.models import (
    AppSubscription,
    BillingLedgerEntry,
    LedgerStatus,
)
from apps.billing.resolution import ai_resolved_q, resolved_at_expression
from apps.billing.selectors import active_subscription, cycle_usage, trial_ends_at
from apps.billing.subscriptions import TERMINAL, subscription_sync
from apps.conversations.models import Conversation
from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyGraphQLError
from apps.stores.models import Platform, Store, StoreStatus

logger = logging.getLogger(__name__)

BATCH = 200  # resolutions recorded, and charges sent, per store and run
# Unrecorded conversations examined per query while looking for a batch of resolutions.
CANDIDATES = 2 * BATCH
MAX_ATTEMPTS = 8
# A claim older than this belongs to a worker that died mid-call: the row is sent again.
CLAIM_TIMEOUT = timedelta(minutes=5)
SYNC_EVERY = timedelta(minutes=30)
# Resolutions older than this when first seen are not billed (a worker down for weeks).
LOOKBACK = timedelta(days=14)
ZERO = Decimal("0.00")


@dataclass
class RunResult:
    recorded: int = 0
    charged: int = 0
    skipped_cap: int = 0
    failed: int = 0
    left_pending: int = 0


def idempotency_key_for(store_id: int, conversation_id: int) -> str:
    """The usage record's idempotency key: one per store and conversation, forever."""
    return f"aftersale-resolution-{store_id}-{conversation_id}"


def billing_run_store(store_id: int, *, now: datetime | None = None) -> RunResult:
    """Record and charge a store's new AI resolutions (module docstring). Idempotent.

    Raises nothing for Shopify being busy or refusing our token: what is not sent stays
    pending for the next run.
    """
    now = now or timezone.now()
    result = RunResult()
    store = Store.objects.filter(
        pk=store_id, platform=Platform.SHOPIFY, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        return result
    client = ShopifyClient(store, max_wait=settings.SHOPIFY_BACKGROUND_MAX_WAIT_SECONDS)
    try:
        subscription = _synced_subscription(store, client, now)
        _fail_ended(store)
        if subscription is None or not subscription.usage_line_item_id:
            return result
        result.recorded = ledger_record_resolutions(store, subscription, now=now)
        _send_pending(subscription, client, result, now)
    except (TransientCommerceError, ReauthorizationRequired) as exc:
        logger.warning("billing run stopped store_id=%s: %s", store_id, type(exc).__name__)
    finally:
        client.close()
    return result


def _synced_subscription(
    store: Store, client: ShopifyClient, now: datetime
) -> AppSubscription | None:
    """The active subscription, refreshed from Shopify when our copy is old or its cycle
    has ended (None when Shopify says it is no longer active)."""
    subscription = active_subscription(store)
    if subscription is None or not _needs_sync(subscription, now):
        return subscription
    return subscription_sync(store, client)


def _needs_sync(subscription: AppSubscription, now: datetime) -> bool:
    if subscription.synced_at is None:
        return True
    period_end = subscription.current_period_end
    return (period_end is not None and period_end <= now) or (
        now - subscription.synced_at > SYNC_EVERY
    )


def _fail_ended(store: Store) -> None:
    """Rows still pending for a subscription that ended can never be charged."""
    BillingLedgerEntry.objects.filter(
        store=store, status=LedgerStatus.PENDING, subscription__status__in=TERMINAL
    ).update(
        status=LedgerStatus.FAILED,
        error="The subscription ended before this charge was sent.",
        updated_at=timezone.now(),
    )


# ---------------------------------------------------------------- recording


def billable_conversations(
    store: Store, subscription: AppSubscription, *, now: datetime
) -> list[tuple[int, datetime]]:
    """(conversation id, resolved at) of resolutions not in the ledger yet, oldest first:
    resolved by the AI since the subscription was approved (and within LOOKBACK).

    The store's unrecorded conversations are read in billing order a window at a time,
    and only a window's rows are probed (messages, actions), until a batch is found: a
    store with weeks of resolutions to catch up on costs one batch, not all of them."""
    since = max(subscription.activated_at or now, now - LOOKBACK)
    found: list[tuple[int, datetime]] = []
    after: tuple[int, datetime] | None = None
    while len(found) < BATCH:
        window = list(unbilled_candidates(store, since=since, after=after)[:CANDIDATES])
        if not window:
            break
        ids = [pk for pk, _ in window]
        found += ai_resolutions_among(ids, since=since, now=now)[: BATCH - len(found)]
        if len(window) < CANDIDATES:
            break
        after = window[-1]
    return found


def unbilled_candidates(
    store: Store, *, since: datetime, after: tuple[int, datetime] | None = None
) -> QuerySet[Conversation, tuple[int, datetime]]:
    """(id, resolved moment) of the store's conversations without a ledger row that could
    have been resolved since `since`, in billing order, after `after` (id, moment) if
    given. conversation_unbilled serves it in that order: no sort, a window read and done."""
    candidates = (
        Conversation.objects.filter(store=store, billing_recorded_at__isnull=True)
        .annotate(resolved_moment=resolved_at_expression())
        .filter(resolved_moment__gte=since)
    )
    if after is not None:
        pk, moment = after
        candidates = candidates.filter(resolved_moment__gte=moment).filter(
            Q(resolved_moment__gt=moment) | Q(pk__gt=pk)
        )
    return candidates.order_by("resolved_moment", "pk").values_list("pk", "resolved_moment")


def ai_resolutions_among(
    ids: list[int], *, since: datetime, now: datetime
) -> QuerySet[Conversation, tuple[int, datetime]]:
    """Of these conversations, the AI resolutions since `since` without a ledger row
    (whatever billing_recorded_at says: the ledger is the rule), oldest first."""
    in_ledger = BillingLedgerEntry.objects.filter(conversation=OuterRef("pk"))
    return (
        Conversation.objects.filter(pk__in=ids)
        .filter(Q(last_message_at__gte=since) | Q(resolved_at__gte=since))
        .filter(ai_resolved_q(now))
        .annotate(resolved_moment=resolved_at_expression())
        .filter(resolved_moment__gte=since)
        .filter(~Exists(in_ledger))
        .order_by("resolved_moment", "pk")
        .values_list("pk", "resolved_moment")
    )


def ledger_record_resolutions(store: Store, subscription: AppSubscription, *, now: datetime) -> int:
    """Add a ledger row for each new resolution; returns how many were added."""
    added = 0
    for conversation_id, resolved_at in billable_conversations(store, subscription, now=now):
        if ledger_entry_record(subscription, conversation_id, resolved_at, now=now):
            added += 1
    return added


def ledger_entry_record(
    subscription: AppSubscription, conversation_id: int, resolved_at: datetime, *, now: datetime
) -> bool:
    """One resolution's ledger row (free trial / skipped_cap / pending), decided with the
    subscription row locked so two runs cannot both fit under the cap. False if the
    conversation already has one (idempotent)."""
    key = idempotency_key_for(subscription.store_id, conversation_id)
    with transaction.atomic():
        locked = AppSubscription.objects.select_for_update().get(pk=subscription.pk)
        if BillingLedgerEntry.objects.filter(idempotency_key=key).exists():
            return False
        status, amount = _terms_for(locked, resolved_at, now)
        Conversation.objects.filter(pk=conversation_id).update(billing_recorded_at=now)
        BillingLedgerEntry.objects.create(
            store_id=locked.store_id,
            subscription=locked,
            conversation_id=conversation_id,
            amount=amount,
            currency=locked.currency,
            description=f"AI resolution: conversation {conversation_id}",
            status=status,
            idempotency_key=key,
            resolved_at=resolved_at,
        )
    return True


def _terms_for(
    subscription: AppSubscription, resolved_at: datetime, now: datetime
) -> tuple[str, Decimal]:
    trial_end = trial_ends_at(subscription)
    if trial_end is not None and resolved_at < trial_end:
        return LedgerStatus.FREE_TRIAL, ZERO
    usage = cycle_usage(subscription, now)
    if usage.used + subscription.usage_price > usage.cap:
        return LedgerStatus.SKIPPED_CAP, subscription.usage_price
    return LedgerStatus.PENDING, subscription.usage_price


# ---------------------------------------------------------------- sending


def _claimable(now: datetime) -> Q:
    return Q(status=LedgerStatus.PENDING) & (
        Q(attempted_at__isnull=True) | Q(attempted_at__lt=now - CLAIM_TIMEOUT)
    )


def _send_pending(
    subscription: AppSubscription, client: ShopifyClient, result: RunResult, now: datetime
) -> None:
    ids = list(
        BillingLedgerEntry.objects.filter(_claimable(now), subscription=subscription)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    for entry_id in ids:
        outcome = ledger_entry_charge(entry_id, client, subscription=subscription, now=now)
        if outcome == LedgerStatus.CHARGED:
            result.charged += 1
        elif outcome == LedgerStatus.SKIPPED_CAP:
            result.skipped_cap += 1
        elif outcome == LedgerStatus.FAILED:
            result.failed += 1
        elif outcome == LedgerStatus.PENDING:
            result.left_pending += 1


def ledger_entry_charge(
    entry_id: int, client: ShopifyClient, *, subscription: AppSubscription, now: datetime
) -> str | None:
    """Send one pending row to Shopify if it can be claimed; returns its new status (None
    when another worker has it). Re-raises ShopifyBusy and ReauthorizationRequired after
    releasing the claim, so the caller stops sending for this store."""
    claimed = BillingLedgerEntry.objects.filter(_claimable(now), pk=entry_id).update(
        attempts=F("attempts") + 1, attempted_at=now, updated_at=now
    )
    if not claimed:
        return None
    entry = BillingLedgerEntry.objects.get(pk=entry_id)
    try:
        record_id = api.usage_record_create(
            client,
            line_item_id=subscription.usage_line_item_id,
            amount=entry.amount,
            currency=entry.currency,
            description=entry.description,
            idempotency_key=entry.idempotency_key,
        )
    except api.CapReached as exc:
        return _finish(entry, LedgerStatus.SKIPPED_CAP, error=str(exc))
    except (api.BillingRejected, ShopifyGraphQLError) as exc:
        return _finish(entry, LedgerStatus.FAILED, error=str(exc))
    except (TransientCommerceError, ReauthorizationRequired) as exc:
        _release(entry, error=str(exc))
        raise
    return _finish(entry, LedgerStatus.CHARGED, record_id=record_id)


def _finish(entry: BillingLedgerEntry, status: str, *, error: str = "", record_id: str = "") -> str:
    now = timezone.now()
    BillingLedgerEntry.objects.filter(pk=entry.pk, status=LedgerStatus.PENDING).update(
        status=status,
        error=error[:500],
        shopify_usage_record_id=record_id,
        charged_at=now if status == LedgerStatus.CHARGED else None,
        updated_at=now,
    )
    if status != LedgerStatus.CHARGED:
        logger.warning("billing: entry %s not charged (%s): %s", entry.pk, status, error)
    return status


def _release(entry: BillingLedgerEntry, *, error: str) -> None:
    """Shopify did not answer for sure: keep the row pending for the next run (same key),
    unless it has been tried too often."""
    if entry.attempts >= MAX_ATTEMPTS:
        _finish(entry, LedgerStatus.FAILED, error=f"gave up after {entry.attempts} tries: {error}")
        return
    BillingLedgerEntry.objects.filter(pk=entry.pk, status=LedgerStatus.PENDING).update(
        attempted_at=None, error=error[:500], updated_at=timezone.now()
    )
