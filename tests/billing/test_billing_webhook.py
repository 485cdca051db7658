"""app_subscriptions/update keeps a store's subscription state current, through the real
webhook inbox (signed delivery -> stored event -> processing)."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest
from django.test import Client

from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.billing.plans import Feature
from apps.billing.selectors import plan_allows, store_has_active_plan
from apps.stores.services import store_uninstall
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from tests.billing.billing_shopify import CHARGE_ID, SUBSCRIPTION_GID, subscribed
from tests.clock import ahead
from tests.webhooks.helpers import post_webhook

pytestmark = pytest.mark.django_db

TOPIC = "app_subscriptions/update"


def _since_sync(**delta: float) -> str:
    """A Shopify timestamp (shop time, UTC-5) `delta` after the subscription row was synced."""
    return ahead(**delta).astimezone(timezone(timedelta(hours=-5))).isoformat(timespec="seconds")


def _payload(status: str, *, updated_at: str, gid: str = SUBSCRIPTION_GID) -> dict[str, Any]:
    """The documented app_subscriptions/update body."""
    return {
        "app_subscription": {
            "admin_graphql_api_id": gid,
            "name": "Aftersale Growth",
            "status": status,
            "admin_graphql_api_shop_id": "gid://shopify/Shop/548380009",
            "created_at": _since_sync(days=-14),
            "updated_at": updated_at,
            "currency": "USD",
            "capped_amount": "500.0",
            "price": "99.00",
            "interval": "every_30_days",
            "plan_handle": None,
        }
    }


def _deliver(shop, payload: dict[str, Any]) -> WebhookEvent:
    response = post_webhook(Client(), TOPIC, payload, shop=shop.domain)
    assert response.status_code == 200
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event is not None
    webhook_event_process(event.pk)
    event.refresh_from_db()
    return event


@pytest.mark.parametrize("status", ["CANCELLED", "FROZEN", "EXPIRED", "DECLINED"])
def test_the_webhook_takes_the_plan_away(shop, status):
    row = subscribed(shop)

    event = _deliver(shop, _payload(status, updated_at=_since_sync(hours=1)))

    assert (event.status, event.note) == (WebhookStatus.PROCESSED, f"subscription {status}")
    row.refresh_from_db()
    assert row.status == status
    assert store_has_active_plan(shop) is False
    assert plan_allows(shop, Feature.WEB_CHAT) is False


def test_the_webhook_activates_a_pending_subscription_and_unfreezes_a_frozen_one(shop):
    row = subscribed(shop, status=SubscriptionStatus.PENDING, activated_at=None)

    _deliver(shop, _payload("ACTIVE", updated_at=_since_sync(hours=1)))
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.activated_at is not None

    _deliver(shop, _payload("FROZEN", updated_at=_since_sync(hours=2)))
    _deliver(shop, _payload("ACTIVE", updated_at=_since_sync(hours=3)))
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE
    assert store_has_active_plan(shop) is True


def test_an_older_update_arriving_late_changes_nothing(shop):
    row = subscribed(shop)
    _deliver(shop, _payload("FROZEN", updated_at=_since_sync(hours=2)))

    late = _deliver(shop, _payload("ACTIVE", updated_at=_since_sync(hours=1)))

    assert late.status == WebhookStatus.IGNORED
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.FROZEN


def test_a_final_status_is_never_undone(shop):
    row = subscribed(shop)
    _deliver(shop, _payload("CANCELLED", updated_at=_since_sync(hours=1)))

    _deliver(shop, _payload("ACTIVE", updated_at=_since_sync(hours=5)))

    row.refresh_from_db()
    assert row.status == SubscriptionStatus.CANCELLED


def test_the_cancellation_after_an_uninstall_is_still_recorded(shop):
    row = subscribed(shop)
    store_uninstall(shop)
    shop.refresh_from_db()
    assert store_has_active_plan(shop) is False  # an uninstalled store has no plan

    event = _deliver(shop, _payload("CANCELLED", updated_at=_since_sync(hours=1)))

    assert event.status == WebhookStatus.PROCESSED
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.CANCELLED


def test_one_shops_webhook_cannot_touch_another_shops_subscription(shop, other_shop):
    theirs = subscribed(other_shop)

    event = _deliver(shop, _payload("CANCELLED", updated_at=_since_sync(hours=1)))

    assert event.status == WebhookStatus.IGNORED
    assert "not a subscription of this store" in event.note
    theirs.refresh_from_db()
    assert theirs.status == SubscriptionStatus.ACTIVE


def test_an_unknown_status_is_ignored(shop):
    row = subscribed(shop)

    event = _deliver(shop, _payload("ON_VACATION", updated_at=_since_sync(hours=1)))

    assert event.status == WebhookStatus.IGNORED
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE


def test_a_malformed_payload_fails_for_good_and_changes_nothing(shop):
    row = subscribed(shop)

    event = _deliver(shop, {"app_subscription": {"status": "CANCELLED"}})

    assert event.status == WebhookStatus.FAILED
    assert event.next_attempt_at is None
    assert "PermanentHandlerError" in event.last_error
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE
    assert AppSubscription.objects.get().shopify_id.endswith(CHARGE_ID)
