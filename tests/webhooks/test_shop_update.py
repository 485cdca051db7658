"""shop/update: the store follows the time zone the merchant set in Shopify (the payload is
the REST shop object, as in tests/webhooks/fixtures/shop_update.json)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.stores.models import Store
from apps.stores.time_zones import store_time_zone_choose
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import process_webhook_event
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.helpers import fixture, post_webhook

pytestmark = pytest.mark.django_db


def _shop_update(store: Store, **changes: object) -> WebhookEvent:
    return WebhookEventFactory(
        store=store, topic="shop/update", payload={**fixture("shop_update"), **changes}
    )


def _zones(store: Store) -> tuple[str, str]:
    row = Store.objects.get(pk=store.pk)
    return row.timezone, row.platform_timezone


def test_the_shops_time_zone_becomes_the_stores(shop):
    event = _shop_update(shop)

    assert process_webhook_event(event.pk) == "processed"

    assert _zones(shop) == ("America/New_York", "America/New_York")
    assert WebhookEvent.objects.get(pk=event.pk).note == "time zone now America/New_York"


def test_an_unrelated_shop_edit_keeps_the_zone_the_merchant_chose_here(shop):
    process_webhook_event(_shop_update(shop).pk)
    store_time_zone_choose(shop, "Europe/Lisbon")

    event = _shop_update(shop, name="Renamed Store")
    assert process_webhook_event(event.pk) == "processed"

    assert _zones(shop) == ("Europe/Lisbon", "America/New_York")
    assert WebhookEvent.objects.get(pk=event.pk).note == "time zone unchanged"


def test_moving_the_shop_to_another_zone_in_shopify_is_followed(shop):
    process_webhook_event(_shop_update(shop).pk)
    store_time_zone_choose(shop, "Europe/Lisbon")

    process_webhook_event(_shop_update(shop, iana_timezone="Australia/Sydney").pk)

    assert _zones(shop) == ("Australia/Sydney", "Australia/Sydney")


def _at(moment) -> str:
    return moment.isoformat()


def test_an_older_delivery_arriving_late_never_replaces_a_newer_one(shop):
    now = timezone.now()
    # The merchant moved the shop to Sydney, then (an hour later) back to New York;
    # Shopify delivers the second edit first.
    newer = _shop_update(shop, iana_timezone="America/New_York", updated_at=_at(now))
    older = _shop_update(
        shop, iana_timezone="Australia/Sydney", updated_at=_at(now - timedelta(hours=1))
    )

    process_webhook_event(newer.pk)
    process_webhook_event(older.pk)

    assert _zones(shop) == ("America/New_York", "America/New_York")
    assert WebhookEvent.objects.get(pk=older.pk).note == "time zone unchanged"


def test_a_late_delivery_of_the_same_zone_still_guards_against_older_ones(shop):
    now = timezone.now()
    process_webhook_event(_shop_update(shop, updated_at=_at(now - timedelta(hours=3))).pk)
    # Moved to Sydney and back: the "back" (same zone as before) arrives first...
    process_webhook_event(_shop_update(shop, updated_at=_at(now)).pk)
    # ...then the move itself, which is older than what was just reported.
    process_webhook_event(
        _shop_update(
            shop, iana_timezone="Australia/Sydney", updated_at=_at(now - timedelta(hours=1))
        ).pk
    )

    assert _zones(shop) == ("America/New_York", "America/New_York")


def test_newer_deliveries_in_order_are_followed(shop):
    now = timezone.now()
    process_webhook_event(_shop_update(shop, updated_at=_at(now - timedelta(hours=1))).pk)
    process_webhook_event(
        _shop_update(shop, iana_timezone="Australia/Sydney", updated_at=_at(now)).pk
    )

    assert _zones(shop) == ("Australia/Sydney", "Australia/Sydney")


@pytest.mark.parametrize("updated_at", [None, "not a date", "2026-13-45T10:00:00Z"])
def test_without_a_usable_updated_at_the_delivery_time_orders_them(shop, updated_at):
    now = timezone.now()
    newer = _shop_update(shop, updated_at=updated_at)
    newer.triggered_at = now
    newer.save()
    older = _shop_update(shop, iana_timezone="Australia/Sydney", updated_at=updated_at)
    older.triggered_at = now - timedelta(minutes=5)
    older.save()

    process_webhook_event(newer.pk)
    process_webhook_event(older.pk)

    assert _zones(shop) == ("America/New_York", "America/New_York")


@pytest.mark.parametrize("zone", [None, "", "(GMT-05:00) Eastern Time (US & Canada)", ["UTC"]])
def test_a_payload_without_a_usable_zone_changes_nothing(shop, zone):
    event = _shop_update(shop, iana_timezone=zone)

    assert process_webhook_event(event.pk) == "processed"

    assert _zones(shop) == ("UTC", "")


def test_a_payload_naming_another_shop_fails_and_changes_nothing(shop):
    event = _shop_update(shop, myshopify_domain="someone-else.myshopify.com")

    process_webhook_event(event.pk)

    assert WebhookEvent.objects.get(pk=event.pk).status == WebhookStatus.FAILED
    assert _zones(shop) == ("UTC", "")


def test_a_signed_delivery_is_stored_for_the_worker(client, shop):
    response = post_webhook(client, "shop/update", fixture("shop_update"))

    assert response.status_code == 200
    event = WebhookEvent.objects.get(topic="shop/update")
    assert (event.store_id, event.status) == (shop.pk, WebhookStatus.PENDING)


def test_a_forged_delivery_is_refused_and_stores_nothing(client, shop):
    response = post_webhook(client, "shop/update", fixture("shop_update"), secret="not-ours")

    assert response.status_code == 401
    assert not WebhookEvent.objects.filter(topic="shop/update").exists()
    assert _zones(shop) == ("UTC", "")
