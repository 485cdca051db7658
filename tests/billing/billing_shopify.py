"""Billing API answers shaped exactly like Shopify's documented GraphQL responses
(shopify.dev: appSubscriptionCreate, appUsageRecordCreate, currentAppInstallation,
node, shop.plan), scripted on the shop stand-in (standins.shopify) behind respx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import respx

from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.stores.models import Store
from standins.shopify import endpoint
from standins.shopify.simulator import ShopSimulator

CHARGE_ID = "1029266960"
SUBSCRIPTION_GID = f"gid://shopify/AppSubscription/{CHARGE_ID}"
RECURRING_LINE = f"gid://shopify/AppSubscriptionLineItem/{CHARGE_ID}?v=1&index=0"
USAGE_LINE = f"gid://shopify/AppSubscriptionLineItem/{CHARGE_ID}?v=1&index=1"
COST = {
    "requestedQueryCost": 10,
    "actualQueryCost": 10,
    "throttleStatus": {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1990,
        "restoreRate": 100.0,
    },
}


def graphql_url(shop: str) -> str:
    return endpoint(shop)


def answer(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "extensions": {"cost": COST}})


def confirmation_url(shop: str, charge_id: str = CHARGE_ID) -> str:
    return (
        f"https://{shop}/admin/charges/166357/{charge_id}/RecurringApplicationCharge/"
        "confirm_recurring_application_charge?signature=BAh7BzoHaWRpBBBeWT06EmF1dG9fYWN0aXZhdGVU"
        "--6a3125051f687d95ba16132e5fb9a0419e0e4d18"
    )


def line_items(
    *, price: str = "99.0", cap: str = "500.0", used: str = "0.0", charge_id: str = CHARGE_ID
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"gid://shopify/AppSubscriptionLineItem/{charge_id}?v=1&index=0",
            "plan": {
                "pricingDetails": {
                    "__typename": "AppRecurringPricing",
                    "interval": "EVERY_30_DAYS",
                    "price": {"amount": price, "currencyCode": "USD"},
                }
            },
        },
        {
            "id": f"gid://shopify/AppSubscriptionLineItem/{charge_id}?v=1&index=1",
            "plan": {
                "pricingDetails": {
                    "__typename": "AppUsagePricing",
                    "terms": "$0.30 per conversation Aftersale resolves without your team",
                    "balanceUsed": {"amount": used, "currencyCode": "USD"},
                    "cappedAmount": {"amount": cap, "currencyCode": "USD"},
                }
            },
        },
    ]


def subscription_node(
    *,
    status: str = "PENDING",
    name: str = "Aftersale Growth",
    charge_id: str = CHARGE_ID,
    period_end: str | None = None,
    test: bool = True,
    **items: Any,
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/AppSubscription/{charge_id}",
        "name": name,
        "status": status,
        "test": test,
        "trialDays": 14,
        "createdAt": "2026-11-20T10:00:00Z",
        "currentPeriodEnd": period_end,
        "lineItems": line_items(charge_id=charge_id, **items),
    }


def subscription_created(shop: str, **node: Any) -> dict[str, Any]:
    return {
        "appSubscriptionCreate": {
            "confirmationUrl": confirmation_url(shop, node.get("charge_id", CHARGE_ID)),
            "appSubscription": subscription_node(**node),
            "userErrors": [],
        }
    }


def user_errors(mutation: str, *messages: str, field: list[str] | None = None) -> dict[str, Any]:
    errors = [{"field": field, "message": m} for m in messages]
    if mutation == "appSubscriptionCreate":
        return {mutation: {"confirmationUrl": None, "appSubscription": None, "userErrors": errors}}
    return {mutation: {"appUsageRecord": None, "userErrors": errors}}


def usage_recorded(record_id: str = "gid://shopify/AppUsageRecord/248477168") -> dict[str, Any]:
    return {"appUsageRecordCreate": {"appUsageRecord": {"id": record_id}, "userErrors": []}}


def active_subscriptions(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"currentAppInstallation": {"activeSubscriptions": list(nodes)}}


def node_status(status: str, charge_id: str = CHARGE_ID) -> dict[str, Any]:
    return {"node": {"id": f"gid://shopify/AppSubscription/{charge_id}", "status": status}}


def shop_plan(*, development: bool = False) -> dict[str, Any]:
    return {"shop": {"plan": {"partnerDevelopment": development}}}


def mocked_shopify() -> Iterator[ShopSimulator]:
    """For a `shopify` fixture: every Shopify GraphQL call goes to the shop stand-in, whose
    Billing API operations each test scripts (`shopify.on(...)`); nothing else is reachable."""
    shop = ShopSimulator()
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.post(
            url__regex=r"^https://[a-z0-9-]+\.myshopify\.com/admin/api/.+/graphql\.json$"
        ).mock(side_effect=shop.respond)
        yield shop


def subscribed(
    store: Store,
    *,
    status: str = SubscriptionStatus.ACTIVE,
    plan_key: str = "growth",
    charge_id: str = CHARGE_ID,
    **fields: Any,
) -> AppSubscription:
    """A subscription row as the return URL leaves it (active, synced, past its trial)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    values: dict[str, Any] = {
        "store": store,
        "shopify_id": f"gid://shopify/AppSubscription/{charge_id}",
        "plan_key": plan_key,
        "name": "Aftersale Growth",
        "status": status,
        "test": True,
        "trial_days": 14,
        "currency": "USD",
        "recurring_price": "99.00",
        "usage_price": "0.30",
        "capped_amount": "500.00",
        "usage_line_item_id": f"gid://shopify/AppSubscriptionLineItem/{charge_id}?v=1&index=1",
        "activated_at": now - timedelta(days=40),
        "current_period_end": now + timedelta(days=20),
        "synced_at": now,
        "shopify_updated_at": now - timedelta(days=40),
    }
    values.update(fields)
    return AppSubscription.objects.create(**values)
