"""app_subscriptions/update: keep the store's subscription status as Shopify reports it.

Registered in apps.webhooks.handlers.HANDLERS. The payload names the subscription by its
GraphQL id; only the delivering store's subscriptions are looked up, so one shop's
webhook can never touch another's billing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from apps.billing.schemas import SubscriptionWebhook
from apps.billing.subscriptions import subscription_apply_update
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

TOPIC = "app_subscriptions/update"


def handle_app_subscriptions_update(event: WebhookEvent, store: Store) -> HandlerResult:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        update = SubscriptionWebhook.model_validate(payload.get("app_subscription"))
    except ValidationError as exc:
        raise PermanentHandlerError(
            f"app_subscriptions/update without a readable app_subscription "
            f"({exc.error_count()} errors)"
        ) from None
    outcome = subscription_apply_update(store, update)
    if outcome == "updated":
        return HandlerResult.processed(f"subscription {update.status}")
    if outcome == "stale":
        return HandlerResult.ignored("stale: a newer or final status is recorded")
    return HandlerResult.ignored(f"{outcome}: not a subscription of this store")
