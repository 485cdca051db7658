"""Calling the Billing API through the shared GraphQL client, and reading its answers.

The client (apps.integrations.commerce.shopify.client) handles the token, throttling,
retries and top-level errors; here `userErrors` become BillingRejected (or CapReached
for the usage cap), and answers become the typed models of billing.schemas.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from apps.billing import documents
from apps.billing.plans import Plan
from apps.billing.schemas import (
    Installation,
    Subscription,
    SubscriptionCreatePayload,
    UsageRecordCreatePayload,
    UserError,
)
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyGraphQLError

# Shopify's userError when a usage charge would pass the capped amount of the cycle.
_CAP_MESSAGE = "exceeds balance remaining"
# Besides the shop's own domain, where Shopify may send the merchant to approve a charge.
_ADMIN_HOST = "admin.shopify.com"


class BillingRejected(Exception):
    """Shopify refused a billing mutation (its userErrors, joined); safe to show."""


class CapReached(BillingRejected):
    """The usage charge would take the cycle past the capped amount."""


@dataclass(frozen=True)
class CreatedSubscription:
    confirmation_url: str
    subscription: Subscription


def _parse(model: Any, data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ShopifyGraphQLError(
            f"{what}: unexpected answer ({exc.error_count()} errors)"
        ) from None


def _rejection(errors: list[UserError]) -> BillingRejected:
    text = "; ".join(e.message for e in errors)[:500]
    if any(_CAP_MESSAGE in e.message.lower() for e in errors):
        return CapReached(text)
    return BillingRejected(text)


def shop_is_development(client: ShopifyClient) -> bool:
    data = client.execute(documents.SHOP_PLAN)
    plan = ((data or {}).get("shop") or {}).get("plan") or {}
    return bool(plan.get("partnerDevelopment"))


def subscription_create(
    client: ShopifyClient, *, plan: Plan, return_url: str, test: bool
) -> CreatedSubscription:
    """appSubscriptionCreate for `plan`. Raises BillingRejected on userErrors."""
    variables = {
        "name": plan.name,
        "returnUrl": return_url,
        "trialDays": plan.trial_days,
        "test": test,
        "lineItems": [
            {
                "plan": {
                    "appRecurringPricingDetails": {
                        "price": {
                            "amount": str(plan.recurring_price),
                            "currencyCode": plan.currency,
                        },
                        "interval": "EVERY_30_DAYS",
                    }
                }
            },
            {
                "plan": {
                    "appUsagePricingDetails": {
                        "cappedAmount": {
                            "amount": str(plan.capped_amount),
                            "currencyCode": plan.currency,
                        },
                        "terms": plan.terms,
                    }
                }
            },
        ],
    }
    data = client.execute(documents.APP_SUBSCRIPTION_CREATE, variables)
    payload = _parse(SubscriptionCreatePayload, data.get("appSubscriptionCreate"), "create")
    if payload.userErrors:
        raise _rejection(payload.userErrors)
    if payload.appSubscription is None or not payload.confirmationUrl:
        raise ShopifyGraphQLError("appSubscriptionCreate: no subscription in the answer")
    _check_confirmation_url(payload.confirmationUrl, client.store.domain)
    return CreatedSubscription(payload.confirmationUrl, payload.appSubscription)


def _check_confirmation_url(url: str, shop: str) -> None:
    """We send the merchant's whole admin window there: only Shopify's own hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not url.isascii() or parts.scheme != "https" or host not in (shop.lower(), _ADMIN_HOST):
        raise ShopifyGraphQLError("appSubscriptionCreate: confirmation URL not on Shopify")


def active_subscriptions(client: ShopifyClient) -> list[Subscription]:
    data = client.execute(documents.ACTIVE_SUBSCRIPTIONS)
    installation = _parse(Installation, (data or {}).get("currentAppInstallation"), "installation")
    return list(installation.activeSubscriptions)


def subscription_status(client: ShopifyClient, shopify_id: str) -> str | None:
    """The status of one subscription of ours (None when Shopify does not know it)."""
    data = client.execute(documents.SUBSCRIPTION_STATUS, {"id": shopify_id})
    node = (data or {}).get("node")
    if not isinstance(node, dict) or node.get("id") != shopify_id:
        return None
    status = node.get("status")
    return str(status) if status else None


def usage_record_create(
    client: ShopifyClient,
    *,
    line_item_id: str,
    amount: Decimal,
    currency: str,
    description: str,
    idempotency_key: str,
) -> str:
    """appUsageRecordCreate; returns the record id. The same key returns the same record.

    Raises CapReached when the cycle's cap would be passed, BillingRejected otherwise.
    """
    variables = {
        "subscriptionLineItemId": line_item_id,
        "price": {"amount": str(amount), "currencyCode": currency},
        "description": description,
        "idempotencyKey": idempotency_key,
    }
    data = client.execute(documents.APP_USAGE_RECORD_CREATE, variables)
    payload = _parse(UsageRecordCreatePayload, data.get("appUsageRecordCreate"), "usage record")
    if payload.userErrors:
        raise _rejection(payload.userErrors)
    if payload.appUsageRecord is None:
        raise ShopifyGraphQLError("appUsageRecordCreate: no usage record in the answer")
    return str(payload.appUsageRecord.id)
