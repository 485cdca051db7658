"""shop/update: the merchant changed their shop's settings; we follow its time zone."""

from __future__ import annotations

from apps.stores.models import Store
from apps.stores.time_zones import store_time_zone_reported
from apps.webhooks.handlers.base import HandlerResult
from apps.webhooks.handlers.binding import require_payload_shop
from apps.webhooks.models import WebhookEvent


def handle_shop_update(event: WebhookEvent, store: Store) -> HandlerResult:
    """The payload is the REST shop object; its `iana_timezone` ("America/New_York")
    becomes the store's zone when it differs from the one Shopify reported before (most
    shop edits leave it as it was, and a zone the merchant chose here then stays)."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    require_payload_shop(event, payload.get("myshopify_domain"), field="myshopify_domain")
    if store_time_zone_reported(store, payload.get("iana_timezone")):
        return HandlerResult.processed(f"time zone now {store.timezone}")
    return HandlerResult.processed("time zone unchanged")
