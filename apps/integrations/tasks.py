"""Celery tasks of the integrations app (found by autodiscovery as apps.integrations.tasks)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from celery import shared_task
from django.db import OperationalError, transaction

from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.shopify.backfill import backfill_run
from apps.integrations.commerce.shopify.bulk import BulkCursor
from apps.integrations.commerce.shopify.catalog import shop_policies, shop_time_zone
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyBusy
from apps.integrations.commerce.shopify.policies import policies_import
from apps.integrations.shipping.tracker_tasks import outbound_tracker_task  # noqa: F401  (registers the task)
from apps.orders.models import OrderSync, OrderSyncStatus
from apps.stores.models import Platform, Store, StoreStatus
from apps.stores.time_zones import store_time_zone_reported

logger = logging.getLogger(__name__)

# One run imports pages for this long, then hands over to a fresh run of itself, so no
# task comes near the worker's time limit however large the store is.
BACKFILL_SLICE_SECONDS = 40
# A bulk operation Shopify is still running is looked at again after this long.
BULK_WAIT_COUNTDOWN = 10
_MAX_RETRY_COUNTDOWN = 300


_T = TypeVar("_T")


def _shopify_store(store_id: int) -> Store | None:
    return Store.objects.filter(
        pk=store_id, platform=Platform.SHOPIFY, status=StoreStatus.INSTALLED, needs_reauth=False
    ).first()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=20,
    soft_time_limit=BACKFILL_SLICE_SECONDS + 60,
    time_limit=BACKFILL_SLICE_SECONDS + 90,
)
def backfill_shopify_orders(self, store_id: int) -> None:  # type: ignore[no-untyped-def]
    """Import the store's recent orders, one slice at a time, resuming from the cursor
    (page by page, or from a bulk operation for big stores: backfill.py).

    Idempotent: a finished backfill is a no-op; a duplicate run continues the same one.
    Shopify being busy retries later; a refused token stops (the merchant must re-open
    the app, which enqueues post_install again).
    """
    store = _shopify_store(store_id)
    if store is None:
        return
    try:
        sync = backfill_run(store, time_budget=BACKFILL_SLICE_SECONDS)
    except ReauthorizationRequired:
        logger.warning("backfill stopped: store needs re-authorisation store_id=%s", store_id)
        return
    except TransientCommerceError as exc:
        delay = exc.retry_after if isinstance(exc, ShopifyBusy) else 30
        raise self.retry(countdown=min(_MAX_RETRY_COUNTDOWN, max(5, int(delay)))) from None
    if sync.status == OrderSyncStatus.RUNNING:
        backfill_shopify_orders.apply_async((store_id,), countdown=_next_slice_delay(sync))


def _next_slice_delay(sync: OrderSync) -> int:
    """Pages and downloads go on at once; an operation not yet read is waited for."""
    cursor = BulkCursor.of(sync)
    return BULK_WAIT_COUNTDOWN if cursor is not None and cursor.lines == 0 else 1


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def import_shopify_policies(self, store_id: int) -> None:  # type: ignore[no-untyped-def]
    """Copy the shop's policies (refund, shipping, privacy, terms, ...) into the knowledge
    base. Idempotent: entries are updated in place by policy type."""
    store = _shopify_store(store_id)
    if store is None:
        return
    policies = _read_shop(self, store, shop_policies, what="policy import")
    if policies is not None:
        policies_import(store=store, policies=policies)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def import_shopify_time_zone(self, store_id: int) -> None:  # type: ignore[no-untyped-def]
    """Set the store's time zone from the shop's `ianaTimezone`, so the merchant's day
    (analytics) is right without anyone setting it. Idempotent (time_zones.py: the same
    report again never overrides a zone the merchant chose)."""
    store = _shopify_store(store_id)
    if store is None:
        return
    zone = _read_shop(self, store, shop_time_zone, what="time zone import")
    if zone is not None:
        store_time_zone_reported(store, zone)


def _read_shop(
    task: Any, store: Store, read: Callable[[ShopifyClient], _T], *, what: str
) -> _T | None:
    """One read of the shop for an import task: None when the store needs re-authorising
    (nothing to do until it does); throttling or an outage retries the task, honouring
    Shopify's Retry-After."""
    client = ShopifyClient(store)
    try:
        return read(client)
    except ReauthorizationRequired:
        logger.warning("%s stopped: needs re-authorisation store_id=%s", what, store.pk)
        return None
    except TransientCommerceError as exc:
        delay = exc.retry_after if isinstance(exc, ShopifyBusy) else 30
        raise task.retry(countdown=min(_MAX_RETRY_COUNTDOWN, max(5, int(delay)))) from None
    finally:
        client.close()


def enqueue_shopify_sync(store_id: int) -> None:
    """After install: backfill orders, import policies and the shop's time zone once the
    transaction commits."""
    transaction.on_commit(lambda: backfill_shopify_orders.delay(store_id))
    transaction.on_commit(lambda: import_shopify_policies.delay(store_id))
    transaction.on_commit(lambda: import_shopify_time_zone.delay(store_id))
