"""The mandatory privacy topics: customers/data_request, customers/redact, shop/redact."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from apps.stores.models import Store
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError
from apps.webhooks.handlers.binding import require_payload_shop
from apps.webhooks.models import WebhookEvent
from apps.webhooks.privacy import schemas
from apps.webhooks.privacy.export import customer_data_export_build
from apps.webhooks.privacy.redact import customer_redact, store_erase

logger = logging.getLogger(__name__)

_P = TypeVar(
    "_P", schemas.DataRequestPayload, schemas.CustomerRedactPayload, schemas.ShopRedactPayload
)


def _request(schema: type[_P], event: WebhookEvent) -> _P:
    """The validated payload, which must name the shop that signed the delivery."""
    try:
        request = schemas.parse(schema, event.payload)
    except schemas.InvalidCompliancePayload as exc:
        raise PermanentHandlerError(str(exc)) from exc
    require_payload_shop(event, request.shop_domain, field="shop_domain")
    return request


def _summary(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items())


def handle_data_request(event: WebhookEvent, store: Store) -> HandlerResult:
    request = _request(schemas.DataRequestPayload, event)
    export = customer_data_export_build(store=store, request=request, event=event)
    data = export.data
    return HandlerResult.processed(
        f"export {export.pk}: {len(data['orders'])} orders, "
        f"{len(data['conversations'])} conversations"
    )


def handle_customer_redact(event: WebhookEvent, store: Store) -> HandlerResult:
    request = _request(schemas.CustomerRedactPayload, event)
    counts = customer_redact(store=store, request=request, event=event)
    return HandlerResult.processed(f"deleted: {_summary(counts)}")


def handle_shop_redact(event: WebhookEvent, store: Store) -> HandlerResult:
    _request(schemas.ShopRedactPayload, event)
    if store.is_installed:
        # Shopify sends shop/redact 48 h after an uninstall; a store that is installed
        # again is a live tenant, and wiping it would destroy the merchant's new setup.
        logger.warning("shop/redact for installed store %s ignored", store.pk)
        return HandlerResult.ignored("store is installed again; its data is in use")
    counts = store_erase(store=store, event=event)
    return HandlerResult.processed(f"store erased: {_summary(counts)}")
