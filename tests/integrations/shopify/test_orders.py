from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.commerce.shopify import cache
from apps.integrations.commerce.shopify.webhook_orders import (
    UpsertResult,
    order_upsert_from_shopify,
)
from apps.orders.models import Order, OrderSync, OrderSyncStatus
from tests.clock import iso_ago
from tests.factories import OrderFactory, StoreFactory
from tests.integrations.shopify import answers
from tests.integrations.shopify.answers import ok

pytestmark = pytest.mark.django_db


def _orders(*nodes):  # type: ignore[no-untyped-def]
    return ok({"orders": {"nodes": list(nodes)}}, requested=572, actual=31)


@pytest.mark.parametrize("typed", ["#1001", "1001", "order no. 1001"])
def test_it_finds_an_order_by_name_for_its_customer_and_caches_it(provider, fake, typed):
    fake.on("OrdersSearch", _orders(answers.order(1001)))

    order = provider.find_order(typed, email="JANE@example.com")

    assert order is not None
    assert order.name == "#1001"
    assert order.number == 1001
    assert order.financial_status == "paid"
    assert order.fulfillment_status == "fulfilled"
    [tracking] = order.fulfillments[0].tracking
    assert (tracking.number, tracking.company) == ("1Z999", "UPS")
    assert order.fulfillments[0].latest_event == "in_transit"
    assert fake.calls[0].variables == {
        "query": "name:#1001",
        "first": 2,
        "lineItems": 20,
        "parcels": 3,
        "partLines": 5,
    }
    row = Order.objects.get(store=provider.store, platform_order_id="gid://shopify/Order/6001")
    assert row.email == "jane@example.com"
    assert row.total_price == order.total_price


def test_a_fresh_cache_row_answers_without_any_api_call(provider, fake):
    fake.on("OrdersSearch", _orders(answers.order(1001)))
    provider.find_order("#1001", email="jane@example.com")

    again = provider.find_order("#1001", phone="(555) 010-1234")
    tracking = provider.get_tracking(again.id)

    assert again is not None
    assert tracking[0].tracking[0].number == "1Z999"
    assert len(fake.calls) == 1


def test_a_stale_cache_row_is_refreshed_from_the_api(provider, fake, shop_store):
    # The API's copy was edited an hour ago; the cached row is of a version 9 days older.
    fake.on("OrdersSearch", _orders(answers.order(1001, updated_at=iso_ago(hours=1))))
    old = OrderFactory(
        store=shop_store,
        number=1001,
        name="#1001",
        email="jane@example.com",
        platform_order_id="gid://shopify/Order/6001",
        financial_status="pending",
        platform_updated_at=timezone.now() - timedelta(days=9),
    )
    Order.objects.filter(pk=old.pk).update(synced_at=timezone.now() - timedelta(minutes=6))

    order = provider.find_order("#1001", email="jane@example.com")

    assert order.financial_status == "paid"
    assert Order.objects.get(pk=old.pk).financial_status == "paid"
    assert fake.ops() == ["OrdersSearch"]


@pytest.mark.parametrize(
    "identity",
    [{"email": "mallory@example.com"}, {"phone": "+1 555 999 0000"}, {"customer_id": "9999"}],
    ids=["email", "phone", "customer"],
)
def test_the_wrong_identity_gets_not_found(provider, fake, identity):
    fake.on("OrdersSearch", _orders(answers.order(1001)))
    assert provider.find_order("#1001", **identity) is None


def test_the_logged_in_customer_id_from_the_app_proxy_matches_the_order(provider, fake):
    fake.on("OrdersSearch", _orders(answers.order(1001, customer=77)))
    assert provider.find_order("1001", customer_id="77") is not None


def test_an_order_that_does_not_exist_is_not_found(provider, fake):
    fake.on("OrdersSearch", _orders())
    assert provider.find_order("#4040", email="jane@example.com") is None
    assert Order.objects.count() == 0


def test_no_identity_at_all_is_refused(provider, fake):
    with pytest.raises(ValueError, match="identity|email"):
        provider.find_order("#1001")
    assert fake.calls == []


def test_another_stores_order_is_never_returned(provider, fake):
    other = StoreFactory()
    OrderFactory(store=other, number=1001, name="#1001", email="jane@example.com")
    fake.on("OrdersSearch", _orders())  # this shop has no #1001
    fake.on("OrderById", ok({"order": None}))  # Shopify scopes ids to the token's shop

    assert provider.find_order("#1001", email="jane@example.com") is None
    assert provider.get_order(Order.objects.get(store=other).platform_order_id) is None


def test_a_late_webhook_older_than_the_cache_does_not_overwrite_it(provider, fake, shop_store):
    fake.on("OrdersSearch", _orders(answers.order(1001, updated_at=iso_ago(hours=2))))
    provider.find_order("#1001", email="jane@example.com")
    row = Order.objects.get(store=shop_store)
    # An orders/updated serialised an hour before the version we cached arrives after it.
    late = {
        "id": 6001,
        "name": "#1001",
        "order_number": 1001,
        "email": "jane@example.com",
        "financial_status": "pending",
        "fulfillment_status": None,
        "currency": "USD",
        "total_price": "91.40",
        "updated_at": iso_ago(hours=3),
        "line_items": [],
    }

    assert order_upsert_from_shopify(shop_store, late) == UpsertResult.STALE

    row.refresh_from_db()
    assert row.financial_status == "paid"
    assert row.fulfillment_status == "fulfilled"


def test_an_older_api_version_never_overwrites_a_newer_webhook(shop_store):
    newer = timezone.now()
    OrderFactory(
        store=shop_store,
        platform_order_id="gid://shopify/Order/1",
        financial_status="refunded",
        platform_updated_at=newer,
    )

    result = cache.order_snapshot_upsert(
        store=shop_store,
        platform_order_id="gid://shopify/Order/1",
        platform_updated_at=newer - timedelta(seconds=1),
        fields={"financial_status": "paid"},
    )

    assert result == UpsertResult.STALE
    assert Order.objects.get(store=shop_store).financial_status == "refunded"


def test_an_order_with_more_lines_than_a_page_is_answered_but_not_cached(provider, fake):
    fake.on("OrdersSearch", _orders(answers.order(1001, has_more_lines=True)))
    assert provider.find_order("#1001", email="jane@example.com") is not None
    assert Order.objects.count() == 0


def test_a_customers_orders_come_from_the_api_until_the_backfill_is_done(
    provider, fake, shop_store
):
    fake.on(
        "OrdersSearch",
        _orders(
            answers.order(1002),
            answers.order(1001),
            answers.order(1003, email="other@example.com", customer=8, phone=None),
        ),
    )

    orders = provider.list_customer_orders(email='jane@example.com" OR name:*', limit=5)

    assert [o.name for o in orders] == []  # the injected text is only ever a quoted literal
    assert fake.calls[0].variables["query"] == 'email:"jane@example.com\\" or name:*"'

    orders = provider.list_customer_orders(email="jane@example.com", limit=5)
    assert [o.name for o in orders] == ["#1002", "#1001"]

    OrderSync.objects.create(store=shop_store, status=OrderSyncStatus.DONE)
    calls = len(fake.calls)
    cached = provider.list_customer_orders(email="jane@example.com", limit=5)
    assert {o.name for o in cached} == {"#1002", "#1001"}
    assert len(fake.calls) == calls


def test_listing_without_any_identity_is_refused(provider, fake):
    with pytest.raises(ValueError, match="required"):
        provider.list_customer_orders()
    assert fake.calls == []


def test_get_order_ignores_ids_that_are_not_shopify_order_gids(provider, fake):
    assert provider.get_order("1; DROP TABLE") is None
    assert fake.calls == []
