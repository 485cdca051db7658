"""woocommerce/order.*: keep a WooCommerce store's order snapshot fresh."""

from __future__ import annotations

from django.conf import settings

from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.integrations.commerce.woocommerce.snapshot import (
    InvalidWooPayload,
    UpsertResult,
    order_snapshot_delete,
    order_snapshot_save,
)
from apps.stores.models import Store
from apps.webhooks.handlers.base import (
    HandlerResult,
    PermanentHandlerError,
    TransientHandlerError,
)
from apps.webhooks.models import WebhookEvent


def handle_order(event: WebhookEvent, store: Store) -> HandlerResult:
    client = WooClient(store, max_wait=settings.WOOCOMMERCE_MAX_WAIT_SECONDS * 2)
    try:
        result = order_snapshot_save(store, event.payload, reads=OrderReads(store, client))
    except ReauthorizationRequired:
        # The keys were revoked: keep what the delivery itself says.
        result = order_snapshot_save(store, event.payload)
    except InvalidWooPayload as exc:
        raise PermanentHandlerError(str(exc)) from exc
    except TransientCommerceError as exc:
        raise TransientHandlerError(str(exc)) from exc
    finally:
        client.close()
    if result is UpsertResult.STALE:
        return HandlerResult.ignored("stale: the snapshot holds a newer version of the order")
    return HandlerResult.processed(f"order {result.value}")


def handle_order_deleted(event: WebhookEvent, store: Store) -> HandlerResult:
    try:
        deleted = order_snapshot_delete(store, event.payload)
    except InvalidWooPayload as exc:
        raise PermanentHandlerError(str(exc)) from exc
    return HandlerResult.processed("order deleted" if deleted else "order was not in the snapshot")
