"""The order snapshot in front of BigCommerce: fresh rows cost nothing, older ones one
request that says whether the order changed, the install's backfill makes orders seen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.integrations.commerce.bigcommerce.orders import OrderReader
from apps.orders.models import Order
from standins.bigcommerce.refunds import now as standin_now
from tests.integrations.bigcommerce.contract_world import bigcommerce_contract_world

pytestmark = pytest.mark.django_db


def _reader(world):  # type: ignore[no-untyped-def]
    provider = world.provider
    return provider, OrderReader(provider.store, provider.client)


def test_a_fresh_snapshot_costs_nothing_and_a_stale_unchanged_one_one_request(settings):
    settings.BIGCOMMERCE_ORDER_CACHE_SECONDS = 300
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider, _ = _reader(world)
        first = provider.get_order("1001")
        calls = len(standin.calls)

        assert provider.get_order("1001") == first
        assert len(standin.calls) == calls

        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            assert provider.get_order("1001") == first
            assert standin.calls[calls:] == ["GET /v2/orders/1001"]
            # Checked just now: fresh again.
            assert provider.get_order("1001") == first
            assert len(standin.calls) == calls + 1


def test_a_stale_snapshot_of_a_changed_order_is_read_again(settings):
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider, _ = _reader(world)
        provider.get_order("1003")
        record = standin.state.orders[1003]
        record.staff_notes = "Gift wrap, please"
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            record.date_modified = standin_now()
            changed = provider.get_order("1003")

        assert changed is not None
        assert changed.note == "Gift wrap, please"


def test_the_backfill_reads_recent_orders_once(settings):
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider, reader = _reader(world)

        listed = reader.backfill(since=timezone.now() - timedelta(days=30), limit=100)

        recent = [
            o
            for o in standin.state.orders.values()
            if o.date_modified > timezone.now() - timedelta(days=30)
        ]
        assert listed == len(recent) >= 8
        assert Order.objects.filter(store=provider.store).count() == listed
        calls = len(standin.calls)
        assert reader.backfill(since=timezone.now() - timedelta(days=30), limit=100) == listed
        assert standin.calls[calls:] == ["GET /v2/orders"]
        # The customers' questions now find their orders without asking BigCommerce.
        assert provider.find_order("#1001", email="jane@example.com") is not None
        assert len(standin.calls) == calls + 1


def test_the_backfill_stops_at_its_limit(settings):
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider, reader = _reader(world)

        assert reader.backfill(since=timezone.now() - timedelta(days=365), limit=3) == 3
        assert Order.objects.filter(store=provider.store).count() == 3


def _unshipped(standin):  # type: ignore[no-untyped-def]
    return next(
        o
        for o in standin.state.orders.values()
        if not o.shipments and not o.refunds and o.status_id not in (0, 5)
    )


def test_a_cold_read_brings_products_and_addresses_with_the_order(settings):
    """`include=consignments.line_items`: the order, its products and its shipping
    addresses in one answer; shipments only because this order shipped."""
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider = world.provider
        calls = len(standin.calls)

        order = provider.find_order("#1001", email="jane@example.com")

        assert standin.calls[calls:] == ["GET /v2/orders/1001", "GET /v2/orders/1001/shipments"]
        assert order is not None
        assert order.line_items
        assert order.shipping_address is not None
        assert order.fulfillments
        assert order.fulfillments[0].tracking


def test_an_unshipped_order_costs_one_request(settings):
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        record = _unshipped(standin)
        calls = len(standin.calls)

        order = world.provider.find_order(f"#{record.id}", email=record.billing.email)

        assert order is not None
        assert order.line_items
        assert standin.calls[calls:] == [f"GET /v2/orders/{record.id}"]


def test_a_wrong_identity_costs_one_request_and_stores_nothing(settings):
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        provider = world.provider
        calls = len(standin.calls)

        assert provider.find_order("#1001", email="mallory@example.com") is None

        assert standin.calls[calls:] == ["GET /v2/orders/1001"]
        assert not Order.objects.filter(store=provider.store, platform_order_id="1001").exists()


def test_without_consignments_in_the_answer_the_parts_are_read_apart(settings, monkeypatch):
    """An API (or a path) that ignores the include still gives a whole order."""
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        whole = world.provider.find_order("#1001", email="jane@example.com")
        Order.objects.filter(store=world.provider.store).delete()
        monkeypatch.setattr("standins.bigcommerce.api._includes", lambda params: "")
        calls = len(standin.calls)

        again = world.provider.find_order("#1001", email="jane@example.com")

        assert again == whole
        assert sorted(standin.calls[calls:]) == [
            "GET /v2/orders/1001",
            "GET /v2/orders/1001/products",
            "GET /v2/orders/1001/shipments",
            "GET /v2/orders/1001/shipping_addresses",
        ]
