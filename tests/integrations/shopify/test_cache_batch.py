"""Writing many snapshot rows at once keeps the one-row rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.integrations.commerce.shopify import cache
from apps.integrations.commerce.shopify.cache import SnapshotVersion, order_snapshots_upsert
from apps.orders.models import Order
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _version(order_id: str, at, **fields):  # type: ignore[no-untyped-def]
    base = {"name": "#1", "number": 1, "financial_status": "paid", "refunds": []}
    return SnapshotVersion(order_id, at, {**base, **fields})


def test_new_rows_are_inserted_and_held_ones_updated_unless_newer(shop_store):
    now = timezone.now()
    OrderFactory(store=shop_store, platform_order_id="o-newer", platform_updated_at=now)
    OrderFactory(
        store=shop_store,
        platform_order_id="o-older",
        platform_updated_at=now - timedelta(days=1),
        refunds=[{"id": "r1", "amount": "5.00", "line_items": [{"id": "l1", "quantity": 1}]}],
    )
    versions = [
        _version("o-new", now, financial_status="pending"),
        _version("o-newer", now - timedelta(hours=1), financial_status="refunded"),
        _version(
            "o-older",
            now,
            financial_status="partially_refunded",
            refunds=[{"id": "r2", "amount": "1.00"}],
        ),
        _version("o-new", now - timedelta(hours=2), financial_status="voided"),
    ]

    with transaction.atomic():
        written = order_snapshots_upsert(store=shop_store, versions=versions)

    rows = {o.platform_order_id: o for o in Order.objects.filter(store=shop_store)}
    assert written == 2
    assert rows["o-new"].financial_status == "pending"  # the newer of its two versions
    assert rows["o-newer"].financial_status == "paid"  # an older version never wins
    assert rows["o-older"].financial_status == "partially_refunded"
    assert [r["id"] for r in rows["o-older"].refunds] == ["r1", "r2"]  # merged, none lost
    assert rows["o-older"].refunds[0]["line_items"] == [{"id": "l1", "quantity": 1}]


def test_a_batch_insert_that_collides_falls_back_to_one_upsert_per_order(shop_store, monkeypatch):
    now = timezone.now()

    def collides(rows, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Order.objects, "bulk_create", collides)
    with transaction.atomic():
        written = order_snapshots_upsert(store=shop_store, versions=[_version("o-1", now)])

    assert written == 1
    [row] = Order.objects.filter(store=shop_store)
    assert (row.name, row.platform_updated_at) == ("#1", now)


def test_another_stores_rows_are_never_touched(shop_store):
    other = StoreFactory()
    theirs = OrderFactory(store=other, platform_order_id="o-1", financial_status="paid")

    with transaction.atomic():
        order_snapshots_upsert(
            store=shop_store, versions=[_version("o-1", timezone.now(), financial_status="voided")]
        )

    theirs.refresh_from_db()
    assert theirs.financial_status == "paid"
    assert Order.objects.get(store=shop_store).financial_status == "voided"
    assert cache.is_fresh(Order.objects.get(store=shop_store))
