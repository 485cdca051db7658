"""Background work that follows an install."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from apps.stores.models import Store, StoreStatus
from apps.stores.services import store_settings

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def post_install(store_id: int) -> None:
    """Everything that should happen once a store is installed or revived.

    The one place later work attaches to (e.g. the Shopify provider's backfill of
    orders and shop policies): enqueued with transaction.on_commit by
    apps.shopify_app.install after every successful install, reinstall or token
    exchange that revived the store. Idempotent: it may run more than once for one
    install. Does nothing for a store that is gone or uninstalled by the time it runs.
    """
    store = Store.objects.filter(pk=store_id, status=StoreStatus.INSTALLED).first()
    if store is None:
        logger.info("post_install skipped store_id=%s: not installed", store_id)
        return
    store_settings(store)
    # The Shopify provider's order backfill and policy import (apps.integrations.tasks).
    from apps.integrations.tasks import enqueue_shopify_sync

    enqueue_shopify_sync(store.pk)
