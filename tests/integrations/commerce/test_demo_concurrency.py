"""Concurrent calls on real PostgreSQL: one key moves money once, no over-refund, one return."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from apps.integrations.commerce.base import LineItemQuantity
from apps.integrations.commerce.demo import DemoCommerceProvider, seed_demo_store
from apps.integrations.commerce.snapshot import order_to_info
from apps.integrations.models import DemoProduct, DemoReturn
from apps.orders.models import Order
from apps.stores.models import Store

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same instant, each on its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # the outcome under test may be an exception
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def seeded() -> Store:
    return seed_demo_store()


def _refund(store: Store, key: str, amount: str) -> Callable[[], Any]:
    def call() -> Any:
        return DemoCommerceProvider(store).refund(
            order_id="demo-order-1011",
            amount=Decimal(amount),
            line_items=None,
            reason="race",
            idempotency_key=key,
        )

    return call


def test_two_refunds_with_one_key_refund_once(seeded: Store) -> None:
    outcomes = _race(*(_refund(seeded, "same-key", "40.00") for _ in range(4)))

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert len({o.refund_id for o in outcomes}) == 1
    assert sorted(o.evidence["replayed"] for o in outcomes) == [False, True, True, True]
    info = order_to_info(Order.objects.get(store=seeded, number=1011))
    assert len(info.refunds) == 1
    assert info.total_refunded == Decimal("40.00")


def test_two_full_refunds_with_different_keys_never_exceed_the_total(seeded: Store) -> None:
    outcomes = _race(_refund(seeded, "key-a", "250.00"), _refund(seeded, "key-b", "250.00"))

    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failures) == 1
    assert getattr(failures[0], "code", "") == "exceeds_refundable"
    info = order_to_info(Order.objects.get(store=seeded, number=1011))
    assert info.total_refunded == info.total_price == Decimal("250.00")
    assert len(info.refunds) == 1


def test_two_returns_with_one_key_open_one_return(seeded: Store) -> None:
    def call() -> Any:
        return DemoCommerceProvider(seeded).create_return(
            order_id="demo-order-1011",
            line_items=[LineItemQuantity("demo-li-1011-1", 1)],
            reason="race",
            idempotency_key="return-key",
        )

    outcomes = _race(call, call)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert outcomes[0].return_id == outcomes[1].return_id
    assert DemoReturn.objects.filter(store=seeded).count() == 1


def test_two_seeds_at_once_leave_one_canonical_store(seeded: Store) -> None:
    outcomes = _race(seed_demo_store, seed_demo_store)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert {o.pk for o in outcomes} == {seeded.pk}
    assert Order.objects.filter(store=seeded).count() == 12
    assert DemoProduct.objects.filter(store=seeded).count() == 10
