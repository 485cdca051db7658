"""BigCommerce order, shipment and refund events: re-read the order into the snapshot
(the payloads only name it); information/updated: re-read the storefront hosts (the
widget's CORS); app/uninstalled: forget the store's token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.bigcommerce_app.tasks import refresh_storefront_hosts
from apps.integrations.commerce.base import CommerceError, TransientCommerceError
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.orders import OrderReader
from apps.stores.services import store_uninstall
from apps.webhooks.handlers.base import (
    HandlerResult,
    PermanentHandlerError,
    TransientHandlerError,
)

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

ORDER_SCOPES = (
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/order/refund/created",
    "store/shipment/created",
    "store/shipment/updated",
)


def _order_id(event: WebhookEvent) -> int:
    payload = event.payload if isinstance(event.payload, dict) else {}
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    assert isinstance(data, dict)
    found = data.get("orderId") if data.get("type") == "shipment" else data.get("id")
    text = str(found or "")
    if not text.isdigit() or len(text) > 12:
        raise PermanentHandlerError("the event names no order")
    return int(text)


def handle_order_event(event: WebhookEvent, store: Store) -> HandlerResult:
    if not store.is_installed:
        return HandlerResult.ignored("store is not installed")
    number = _order_id(event)
    # In the worker, not a customer's turn: it may wait longer (within its time limit);
    # a longer wait is a TransientHandlerError and the event is retried.
    client = BigCommerceClient(store, max_wait=20.0)
    try:
        found = OrderReader(store, client).fetch(number)
    except TransientCommerceError as exc:
        raise TransientHandlerError(str(exc)) from exc
    except CommerceError as exc:
        raise PermanentHandlerError(str(exc)) from exc
    finally:
        client.close()
    return HandlerResult.processed("order refreshed" if found else "order is gone")


def handle_store_updated(event: WebhookEvent, store: Store) -> HandlerResult:
    if not store.is_installed:
        return HandlerResult.ignored("store is not installed")
    client = BigCommerceClient(store, max_wait=20.0)
    try:
        hosts = refresh_storefront_hosts(store, client)
    except TransientCommerceError as exc:
        raise TransientHandlerError(str(exc)) from exc
    except CommerceError as exc:
        raise PermanentHandlerError(str(exc)) from exc
    finally:
        client.close()
    return HandlerResult.processed(f"{len(hosts)} storefront host(s)")


def handle_app_uninstalled(event: WebhookEvent, store: Store) -> HandlerResult:
    happened_at = event.received_at
    if store.is_installed and store.installed_at and store.installed_at > happened_at:
        return HandlerResult.ignored("store was reinstalled after this uninstall")
    changed = store_uninstall(store)
    return HandlerResult.processed("store uninstalled" if changed else "already uninstalled")
