"""app/uninstalled: Shopify has already revoked our tokens; forget them."""

from __future__ import annotations

from apps.stores.models import Store
from apps.stores.services import store_uninstall
from apps.webhooks.handlers.base import HandlerResult
from apps.webhooks.models import WebhookEvent


def handle_app_uninstalled(event: WebhookEvent, store: Store) -> HandlerResult:
    """Mark the store uninstalled, unless it was installed again after this uninstall
    happened (a late or retried delivery must not wipe the new installation's tokens)."""
    happened_at = event.triggered_at or event.received_at
    if store.is_installed and store.installed_at and store.installed_at > happened_at:
        return HandlerResult.ignored("store was reinstalled after this uninstall")
    if store_uninstall(store):
        return HandlerResult.processed("store uninstalled, tokens deleted")
    return HandlerResult.processed("store was already uninstalled")
