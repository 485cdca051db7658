"""shop/update: the merchant changed their shop's settings; we follow its time zone."""

from __future__ import annotations

from datetime import datetime

from django.utils.dateparse import parse_datetime

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
    zone = payload.get("iana_timezone")
    if store_time_zone_reported(store, zone, as_of=_as_of(event, payload)):
        return HandlerResult.processed(f"time zone now {store.timezone}")
    return HandlerResult.processed("time zone unchanged")


def _as_of(event: WebhookEvent, payload: dict[str, object]) -> datetime | None:
    """When the shop was as the payload says: its `updated_at` (the edit's time), else
    when Shopify triggered the delivery (X-Shopify-Triggered-At). Shopify may deliver an
    older shop/update after a newer one; this orders them."""
    value = payload.get("updated_at")
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but not a date (a 13th month)
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return parsed
    return event.triggered_at
