"""Background work after an install: the store's profile and storefront hosts, its
webhooks, the chat script, its policy pages into the knowledge base."""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.templatetags.static import static
from django.utils import timezone

from apps.bigcommerce_app.install import webhook_secret
from apps.integrations.commerce.base import TransientCommerceError
from apps.integrations.commerce.bigcommerce import catalog, storefront
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.knowledge import import_policies
from apps.integrations.commerce.bigcommerce.orders import OrderReader
from apps.stores.models import Platform, Store, StoreStatus
from apps.stores.services import store_settings

logger = logging.getLogger(__name__)

# Requests of each quota window a background job leaves to customers' turns.
BACKGROUND_RESERVE = 50


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, TransientCommerceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def set_up_store(store_id: int) -> None:
    """Idempotent: may run more than once for one install. Nothing for a gone store."""
    store = Store.objects.filter(
        pk=store_id, platform=Platform.BIGCOMMERCE, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        logger.info("bigcommerce set_up_store skipped store_id=%s: not installed", store_id)
        return
    store_settings(store)
    client = BigCommerceClient(store, max_wait=settings.BIGCOMMERCE_MAX_WAIT_SECONDS * 4)
    try:
        profile = storefront.store_profile(client)
        _profile(store, profile)
        remember_storefront_hosts(store, storefront.storefront_hosts(client, profile))
        storefront.register_webhooks(
            client, f"{settings.APP_URL}/webhooks/bigcommerce", webhook_secret(store)
        )
        storefront.install_chat_script(client, chat_script_tag(store))
        import_policies(store, catalog.policies(client, store))
    finally:
        client.close()
    backfill_orders.delay(store.pk)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, TransientCommerceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=10,
    soft_time_limit=1800,
    time_limit=1900,
)
def backfill_orders(store_id: int) -> int:
    """The recent orders into the snapshot, so customers' first questions find them seen.

    Leaves BACKGROUND_RESERVE requests of every quota window to live conversations (the
    quota is shared with them and with the merchant's other apps). Idempotent."""
    store = Store.objects.filter(
        pk=store_id, platform=Platform.BIGCOMMERCE, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        return 0
    client = BigCommerceClient(store, max_wait=60.0, reserve=BACKGROUND_RESERVE)
    try:
        since = timezone.now() - timedelta(days=settings.BIGCOMMERCE_BACKFILL_DAYS)
        return OrderReader(store, client).backfill(
            since=since, limit=settings.BIGCOMMERCE_BACKFILL_MAX_ORDERS
        )
    finally:
        client.close()


def refresh_storefront_hosts(store: Store, client: BigCommerceClient) -> list[str]:
    """Read where the store's storefronts live again (store/information/updated)."""
    hosts = storefront.storefront_hosts(client, storefront.store_profile(client))
    return remember_storefront_hosts(store, hosts)


def remember_storefront_hosts(store: Store, hosts: list[str]) -> list[str]:
    """The hosts the widget may call us from besides the store's own domain (CORS)."""
    own = store.domain.lower()
    kept = [h for h in hosts if h != own]
    Store.objects.filter(pk=store.pk).update(storefront_hosts=kept)
    store.storefront_hosts = kept
    return kept


def chat_script_tag(store: Store) -> str:
    """The widget for a non-Shopify storefront: our widget-key API, CORS-bound to the store."""
    source = static("widget/aftersale-chat.js")
    src = source if source.startswith("http") else f"{settings.APP_URL}{source}"
    return (
        f'<script src="{escape(src)}" defer data-aftersale-chat '
        f'data-api-base="{escape(settings.APP_URL)}/api/chat" '
        f'data-widget-key="{escape(store.widget_key)}" '
        f'data-shop="{escape(store.domain)}"></script>'
    )


def _profile(store: Store, profile: dict[str, object]) -> None:
    name = str(profile.get("name") or "")[:255]
    currency = str(profile.get("currency") or "")[:3].upper()
    zone = profile.get("timezone")
    zone_name = str(zone.get("name") or "") if isinstance(zone, dict) else ""
    changes: dict[str, str] = {}
    if name:
        changes["name"] = name
    if len(currency) == 3:
        changes["currency"] = currency
    if zone_name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone_name)
            changes["timezone"] = zone_name
        except (ValueError, ZoneInfoNotFoundError):
            pass
    if changes:
        Store.objects.filter(pk=store.pk).update(**changes)
