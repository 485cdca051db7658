"""Celery tasks of a connected WooCommerce store: finishing the connect, and the backstop.

WooCommerce delivers webhooks once, without retries, disables them after 5 failures and
some hosts drop them: `poll_woocommerce_stores` (beat) reads every store's orders
modified since the last poll into the snapshot, and every WEBHOOK_CHECK it makes sure
our webhooks are still there and active, telling the merchant when one had to be
switched back on (and reads the catalogue's product tags again, which orders need for
final-sale rules and which WooCommerce line items do not carry).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from apps.conversations.outbox import queue_email
from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.shopify.policies import policies_import
from apps.integrations.commerce.woocommerce.catalog import policy_pages
from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.integrations.commerce.woocommerce.mapping import text, when
from apps.integrations.commerce.woocommerce.snapshot import InvalidWooPayload, order_snapshot_save
from apps.stores.models import Platform, Store, StoreStatus
from apps.woocommerce_app.hooks import webhooks_ensure
from apps.woocommerce_app.models import ConnectState, WooConnection
from apps.woocommerce_app.signin import sign_in_link_send

logger = logging.getLogger(__name__)

POLL_OVERLAP = timedelta(minutes=2)
FIRST_POLL_WINDOW = timedelta(days=1)
WEBHOOK_CHECK = timedelta(hours=1)
POLL_MAX_ORDERS = 500


def _store(store_id: int) -> Store | None:
    return Store.objects.filter(
        pk=store_id,
        platform=Platform.WOOCOMMERCE,
        status=StoreStatus.INSTALLED,
        needs_reauth=False,
    ).first()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def finish_connect(self: Any, state_id: int) -> None:
    """After the keys arrived: the store's currency, the owner's address checked against
    the store's own settings (then a first sign-in link), our webhooks, the policy pages.
    Idempotent: each step converges on the same state when run again."""
    state = ConnectState.objects.select_related("store").filter(pk=state_id).first()
    store = _store(state.store_id) if state is not None and state.store_id else None
    if state is None or store is None:
        return
    client = WooClient(store)
    try:
        store.currency = _setting(client, "general", "woocommerce_currency")[:3] or store.currency
        store.save(update_fields=["currency", "updated_at"])
        owner = state.owner_email if state.owner_email in _owner_addresses(client) else ""
        ids, _ = webhooks_ensure(client, store)
        policies = policy_pages(client, _connection(store).policy_pages)
        OrderReads(store, client).product_tags_warm()
    except ReauthorizationRequired:
        logger.warning("woocommerce keys refused right after connect store_id=%s", store.pk)
        return
    except TransientCommerceError:
        raise self.retry(countdown=30) from None
    finally:
        client.close()
    connection = _connection(store)
    connection.webhook_ids = ids
    connection.webhooks_checked_at = timezone.now()
    if owner and owner not in connection.owner_emails:
        connection.owner_emails = [*connection.owner_emails, owner]
    connection.save()
    policies_import(store=store, policies=policies)
    if owner:
        sign_in_link_send(store=store, email=owner)
    else:
        logger.info("woocommerce owner address not confirmed by the store store_id=%s", store.pk)


def _owner_addresses(client: WooClient) -> set[str]:
    found = {_setting(client, "email", "woocommerce_email_from_address")}
    recipients = _setting(client, "email_new_order", "recipient")
    found.update(part.strip() for part in recipients.split(","))
    return {a.lower() for a in found if "@" in a}


def _setting(client: WooClient, group: str, option: str) -> str:
    data = client.get(f"settings/{group}/{option}").data
    return text(data.get("value")) if isinstance(data, dict) else ""


def _connection(store: Store) -> WooConnection:
    connection, _ = WooConnection.objects.get_or_create(store=store)
    return connection


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45)
def poll_woocommerce_stores() -> int:
    """Beat: one poll task per connected store."""
    ids = list(
        Store.objects.filter(
            platform=Platform.WOOCOMMERCE, status=StoreStatus.INSTALLED, needs_reauth=False
        ).values_list("pk", flat=True)
    )
    for store_id in ids:
        poll_store.delay(store_id)
    return len(ids)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def poll_store(self: Any, store_id: int) -> None:
    """Orders changed since the last poll into the snapshot; our webhooks kept active.
    Idempotent: the snapshot keeps the newest version of each order."""
    store = _store(store_id)
    if store is None:
        return
    connection = _connection(store)
    client = WooClient(store)
    try:
        newest = _poll_orders(client, store, connection)
        revived = _check_webhooks(client, store, connection)
    except ReauthorizationRequired:
        return
    except TransientCommerceError:
        raise self.retry(countdown=60) from None
    finally:
        client.close()
    if newest is not None:
        WooConnection.objects.filter(pk=connection.pk).update(polled_through=newest)
    if revived:
        _tell_merchant(store, connection, revived)


def _poll_orders(client: WooClient, store: Store, connection: WooConnection) -> Any:
    since = (connection.polled_through or timezone.now() - FIRST_POLL_WINDOW) - POLL_OVERLAP
    rows = client.paginate(
        "orders",
        {
            "modified_after": since.strftime("%Y-%m-%dT%H:%M:%S"),
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
        },
        limit=POLL_MAX_ORDERS,
    )
    newest = connection.polled_through
    reads = OrderReads(store, client)
    for row in rows:
        if not isinstance(row, dict):
            continue
        try:
            order_snapshot_save(store, row, reads=reads)
        except InvalidWooPayload:
            continue
        modified = when(row.get("date_modified_gmt"))
        if modified is not None and (newest is None or modified > newest):
            newest = modified
    return newest


def _check_webhooks(client: WooClient, store: Store, connection: WooConnection) -> list[str]:
    checked = connection.webhooks_checked_at
    if checked is not None and checked > timezone.now() - WEBHOOK_CHECK:
        return []
    ids, revived = webhooks_ensure(client, store)
    OrderReads(store, client).product_tags_warm()  # hourly, with the webhook check
    WooConnection.objects.filter(pk=connection.pk).update(
        webhook_ids=ids, webhooks_checked_at=timezone.now()
    )
    return revived


def _tell_merchant(store: Store, connection: WooConnection, revived: list[str]) -> None:
    notice = (
        "WooCommerce had switched off our order webhooks ("
        + ", ".join(revived)
        + ") after failed deliveries; we switched them back on. Orders stayed up to date "
        "through our regular check."
    )
    WooConnection.objects.filter(pk=connection.pk).update(notice=notice[:300])
    logger.warning("woocommerce webhooks re-enabled store_id=%s topics=%s", store.pk, revived)
    stamp = timezone.now().strftime("%Y%m%d%H")
    for email in connection.owner_emails[:3]:
        queue_email(
            store=store,
            to=email,
            subject="Aftersale switched your WooCommerce webhooks back on",
            text=notice,
            key=f"woo-webhooks-revived:{store.pk}:{stamp}:{email}",
        )


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    soft_time_limit=60,
    time_limit=90,
)
def import_policies(self: Any, store_id: int) -> None:
    """Read the store's policy pages (the ones the merchant pointed to, else the usual
    slugs) into the knowledge base. Idempotent: entries are replaced by policy type."""
    store = _store(store_id)
    if store is None:
        return
    client = WooClient(store)
    try:
        policies = policy_pages(client, _connection(store).policy_pages)
    except ReauthorizationRequired:
        return
    except TransientCommerceError:
        raise self.retry(countdown=30) from None
    finally:
        client.close()
    policies_import(store=store, policies=policies)
