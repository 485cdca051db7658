"""Periodic billing: every BILLING_CHARGE_SECONDS, charge each subscribed store's new AI
resolutions (settings.CELERY_BEAT_SCHEDULE "billing-charge-resolutions").

Registered with Celery through apps.shopify_app.tasks, which imports this module.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.core.locks import LockTimeout, named_lock
from apps.stores.models import Platform, StoreStatus

logger = logging.getLogger(__name__)

STORE_RUN_SOFT_LIMIT = 240
STORE_RUN_LIMIT = 300


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def charge_resolutions() -> int:
    """Fan out one `charge_store_resolutions` per store with an active subscription.

    Also closes subscriptions of stores that uninstalled (Shopify cancels an app's
    subscriptions on uninstall; its webhook may have been lost). Returns the fan-out size.
    """
    AppSubscription.objects.filter(
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN],
        store__status=StoreStatus.UNINSTALLED,
    ).update(status=SubscriptionStatus.CANCELLED, ended_at=timezone.now())
    store_ids = sorted(
        set(
            AppSubscription.objects.filter(
                status=SubscriptionStatus.ACTIVE,
                store__status=StoreStatus.INSTALLED,
                store__platform=Platform.SHOPIFY,
            ).values_list("store_id", flat=True)
        )
    )
    for store_id in store_ids:
        charge_store_resolutions.delay(store_id)
    return len(store_ids)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=STORE_RUN_SOFT_LIMIT,
    time_limit=STORE_RUN_LIMIT,
)
def charge_store_resolutions(store_id: int) -> None:
    """Record and charge one store's new AI resolutions (billing.usage). Idempotent; a
    run already going for the store makes this one a no-op."""
    from apps.billing.usage import billing_run_store

    try:
        with named_lock(f"billing-run:{store_id}", timeout=STORE_RUN_LIMIT + 30, wait=0.1):
            result = billing_run_store(store_id)
    except LockTimeout:
        logger.info("billing run for store_id=%s already in progress", store_id)
        return
    logger.info("billing run store_id=%s %s", store_id, result)
