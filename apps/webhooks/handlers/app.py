"""app/uninstalled: Shopify has already revoked our tokens; forget them."""

from __future__ import annotations

from apps.stores.models import Store
from apps.stores.services import store_uninstall
from apps.webhooks.handlers.base import HandlerResult
from apps.webhooks.handlers.binding import require_payload_shop
from apps.webhooks.models import WebhookEvent


def handle_app_uninstalled(event: WebhookEvent, store: Store) -> HandlerResult:
    """Mark the store uninstalled, unless it was installed again after this uninstall
    happened (a late or retried delivery must not wipe the new installation's tokens).
    The payload is the shop object; its `myshopify_domain` must be the delivery's shop."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    require_payload_shop(event, payload.get("myshopify_domain"), field="myshopify_domain")
    happened_at = event.triggered_at or event.received_at
    if store.is_installed and store.installed_at and store.installed_at > happened_at:
        return HandlerResult.ignored("store was reinstalled after this uninstall")
    if store_uninstall(store):
        return HandlerResult.processed("store uninstalled, tokens deleted")
    return HandlerResult.processed("store was already uninstalled")
