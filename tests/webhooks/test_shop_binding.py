"""A payload that names a shop must name the shop that signed the delivery, on every topic."""

from __future__ import annotations

import pytest

from apps.orders.models import Order
from apps.stores.models import Store, StoreStatus
from apps.webhooks.models import WebhookEvent
from apps.webhooks.tasks import process_webhook_event
from tests.factories import StoreFactory
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture

pytestmark = pytest.mark.django_db

OTHER = "someone-else.myshopify.com"


def _failed_for_good(event: WebhookEvent) -> WebhookEvent:
    event.refresh_from_db()
    assert event.status == "failed"
    assert event.next_attempt_at is None  # permanent: no retry
    return event


@pytest.mark.parametrize(
    "myshopify_domain",
    [OTHER, "", None, "JSMITH.myshopify.com.evil.test", "jsmith\u212a.myshopify.com"],
    ids=["another-shop", "empty", "missing", "suffix-trick", "non-ascii"],
)
def test_app_uninstalled_naming_another_shop_changes_nothing(shop, myshopify_domain):
    payload = fixture("app_uninstalled")
    if myshopify_domain is None:
        payload.pop("myshopify_domain")
    else:
        payload["myshopify_domain"] = myshopify_domain
    event = WebhookEventFactory(store=shop, topic="app/uninstalled", payload=payload)

    assert process_webhook_event(event.pk) == "failed"

    assert "myshopify_domain" in _failed_for_good(event).last_error
    store = Store.objects.get(pk=shop.pk)
    assert store.status == StoreStatus.INSTALLED
    assert store.access_token is not None


def test_app_uninstalled_for_the_same_shop_in_capitals_is_processed(shop):
    payload = {**fixture("app_uninstalled"), "myshopify_domain": "JSmith.MyShopify.com"}
    event = WebhookEventFactory(store=shop, topic="app/uninstalled", payload=payload)

    assert process_webhook_event(event.pk) == "processed"
    assert Store.objects.get(pk=shop.pk).status == StoreStatus.UNINSTALLED


@pytest.mark.parametrize(
    "topic", ["orders/create", "orders/updated", "orders/fulfilled", "orders/cancelled"]
)
def test_an_order_whose_status_page_is_on_another_shop_is_not_stored(shop, topic):
    payload = fixture("orders_create")
    payload["order_status_url"] = f"https://{OTHER}/548380009/orders/123456abcd/authenticate"
    event = WebhookEventFactory(store=shop, topic=topic, payload=payload)

    assert process_webhook_event(event.pk) == "failed"

    assert "order_status_url" in _failed_for_good(event).last_error
    assert Order.objects.count() == 0


def test_an_order_signed_by_another_installed_shop_does_not_land_in_this_one(shop):
    other = StoreFactory(domain=OTHER)
    event = WebhookEventFactory(store=other, payload=fixture("orders_create"))

    assert process_webhook_event(event.pk) == "failed"

    _failed_for_good(event)
    assert Order.objects.count() == 0


def test_an_order_on_a_custom_domain_status_page_is_stored(shop):
    payload = fixture("orders_create")
    payload["order_status_url"] = "https://shop.example.com/548380009/orders/abc/authenticate"
    event = WebhookEventFactory(store=shop, payload=payload)

    assert process_webhook_event(event.pk) == "processed"
    assert Order.objects.get().store == shop


def test_compliance_topics_compare_shops_without_folding_unicode(db):
    # U+212A KELVIN SIGN lower-cases to "k": the payload must not pass for kshop's.
    store = StoreFactory(domain="kshop.myshopify.com", status=StoreStatus.UNINSTALLED)
    payload = {**fixture("shop_redact"), "shop_domain": "\u212ashop.myshopify.com"}
    event = WebhookEventFactory(store=store, topic="shop/redact", payload=payload)

    assert process_webhook_event(event.pk) == "failed"
    assert Store.objects.filter(pk=store.pk).exists()
