"""The shop's time zone from the GraphQL Admin API (`shop { ianaTimezone }`), answered in
Shopify's documented response shape, and the task that follows it after install."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.catalog import shop_time_zone
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.tasks import enqueue_shopify_sync, import_shopify_time_zone
from apps.stores.models import Store
from standins.shopify.simulator import ShopSimulator
from tests.integrations.shopify.answers import ok, throttled

pytestmark = pytest.mark.django_db


def _zone(name: Any) -> httpx.Response:
    # As the Admin API answers `query { shop { ianaTimezone } }`: data + cost extensions.
    return ok({"shop": {"ianaTimezone": name}}, requested=1, actual=1)


def _zones(store: Store) -> tuple[str, str]:
    row = Store.objects.get(pk=store.pk)
    return row.timezone, row.platform_timezone


def test_it_reads_the_shops_iana_time_zone(client, fake):
    fake.on("ShopTimeZone", _zone("Pacific/Auckland"))

    assert shop_time_zone(client) == "Pacific/Auckland"
    assert fake.calls[0].query.strip() == documents.SHOP_TIME_ZONE.document.strip()


def test_the_task_sets_the_store_zone_from_shopify(shop_store, fake):
    fake.on("ShopTimeZone", _zone("America/Los_Angeles"))

    import_shopify_time_zone.apply(args=(shop_store.pk,))

    assert _zones(shop_store) == ("America/Los_Angeles", "America/Los_Angeles")


def test_against_the_stateful_stand_in(shop_store):
    sim = ShopSimulator(shop_store.domain)
    sim.shop.iana_timezone = "Asia/Kolkata"
    with respx.mock(assert_all_called=False) as router:
        sim.mount(router)
        import_shopify_time_zone.apply(args=(shop_store.pk,))

    assert _zones(shop_store) == ("Asia/Kolkata", "Asia/Kolkata")


@pytest.mark.parametrize("answer", [None, "", "Etc/Not_A_Zone", 42])
def test_an_answer_that_is_not_a_zone_changes_nothing(shop_store, fake, answer):
    Store.objects.filter(pk=shop_store.pk).update(timezone="Europe/Paris")
    fake.on("ShopTimeZone", _zone(answer))

    import_shopify_time_zone.apply(args=(shop_store.pk,))

    assert _zones(shop_store) == ("Europe/Paris", "")


def test_a_throttled_shop_is_asked_again_later(shop_store, fake, monkeypatch):
    retried: list[int] = []

    def retry(*args: Any, countdown: int = 0, **kwargs: Any) -> Exception:
        retried.append(countdown)
        return RuntimeError("retry")

    monkeypatch.setattr(import_shopify_time_zone, "retry", retry)
    # A client that never waits for the bucket: busy at once.
    monkeypatch.setattr(
        "apps.integrations.tasks.ShopifyClient", lambda store: ShopifyClient(store, max_wait=0.0)
    )
    fake.on("ShopTimeZone", throttled(requested=1, available=0.0, rate=1.0))

    with pytest.raises(RuntimeError, match="retry"):
        import_shopify_time_zone.run(shop_store.pk)

    assert len(retried) == 1
    assert 5 <= retried[0] <= 300
    assert _zones(shop_store) == ("UTC", "")


def test_a_revoked_token_stops_quietly(shop_store, fake):
    fake.on("ShopTimeZone", httpx.Response(403))

    import_shopify_time_zone.apply(args=(shop_store.pk,))

    row = Store.objects.get(pk=shop_store.pk)
    assert (row.timezone, row.needs_reauth) == ("UTC", True)


def test_a_store_that_is_not_an_installed_shopify_store_asks_nothing(shop_store, fake):
    Store.objects.filter(pk=shop_store.pk).update(status="uninstalled")

    import_shopify_time_zone.apply(args=(shop_store.pk,))

    assert fake.calls == []


def test_install_enqueues_the_time_zone_import_on_commit(
    shop_store, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[int] = []
    monkeypatch.setattr(import_shopify_time_zone, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_shopify_sync(shop_store.pk)
    assert sent == []
    for callback in callbacks:
        if "import_shopify_time_zone" in callback.__code__.co_names:
            callback()

    assert sent == [shop_store.pk]
