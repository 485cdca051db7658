"""The backfill task: slices, handing over to itself, waiting for a bulk operation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import respx

from apps.integrations import tasks
from apps.integrations.commerce.shopify import bulk
from apps.integrations.commerce.shopify.bulk import BulkCursor
from apps.orders.models import Order, OrderSync, OrderSyncStatus
from standins.shopify.build import synthetic_orders
from standins.shopify.simulator import ShopSimulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def standin(shop_store, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.SHOPIFY_BULK_BACKFILL_THRESHOLD = 5
    monkeypatch.setattr(bulk, "POLL_DELAYS", (0.01,))
    sim = ShopSimulator(shop_store.domain, token="shpat_livetoken0001")
    synthetic_orders(sim.shop, 8, now=datetime.now(UTC))
    with respx.mock(assert_all_called=False) as router:
        sim.mount(router)
        yield sim
    sim.bulk.cleanup()


@pytest.fixture
def handovers(monkeypatch):  # type: ignore[no-untyped-def]
    sent: list[dict] = []
    monkeypatch.setattr(
        tasks.backfill_shopify_orders,
        "apply_async",
        lambda args, countdown: sent.append({"args": args, "countdown": countdown}),
    )
    return sent


def test_a_slice_that_ends_before_shopify_finishes_looks_again_later(
    shop_store, standin, handovers, monkeypatch
):
    standin.bulk.objects_per_second = 0.01  # Shopify needs hours
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 0.3)

    tasks.backfill_shopify_orders.apply(args=(shop_store.pk,))

    sync = OrderSync.objects.get(store=shop_store)
    cursor = BulkCursor.of(sync)
    assert sync.status == OrderSyncStatus.RUNNING
    assert cursor is not None
    assert cursor.operation_id
    assert cursor.lines == 0
    assert handovers == [{"args": (shop_store.pk,), "countdown": tasks.BULK_WAIT_COUNTDOWN}]
    assert Order.objects.count() == 0


def test_the_next_slice_goes_on_with_the_same_operation_and_finishes(
    shop_store, standin, handovers, monkeypatch
):
    standin.bulk.objects_per_second = 0.01
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 0.3)
    tasks.backfill_shopify_orders.apply(args=(shop_store.pk,))
    standin.bulk.objects_per_second = 10**6  # Shopify is done now
    # A slice long enough to import everything even on a loaded machine: what is under test is
    # that it picks up the same operation, not how fast it reads.
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 60)

    tasks.backfill_shopify_orders.apply(args=(shop_store.pk,))

    sync = OrderSync.objects.get(store=shop_store)
    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, 8)
    assert standin.operations.count("BulkOrdersRun") == 1
    assert len(handovers) == 1  # only the first slice handed over
    tasks.backfill_shopify_orders.apply(args=(shop_store.pk,))
    assert standin.operations.count("BulkOrdersRun") == 1  # done stays done
