"""Refunds on BigCommerce: once per key even when an answer is lost, one at a time per
order, never "refunded" when the gateway cannot move the money."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.commerce.base import PlatformRejected, TransientCommerceError
from apps.integrations.commerce.bigcommerce.refunds import GATEWAY_CANNOT_REFUND
from tests.integrations.bigcommerce.contract_world import bigcommerce_contract_world
from tests.integrations.commerce.contract import DELIVERED


def _refund(world, order, key: str, amount: str = "10.00"):
    return world.provider.refund(
        order_id=order.id,
        amount=Decimal(amount),
        line_items=None,
        reason="Late",
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_a_gateway_that_cannot_refund_is_refused_and_nothing_is_recorded():
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        order = world.order(DELIVERED)
        standin.state.orders[1002].gateway_refunds_online = False

        with pytest.raises(PlatformRejected) as refused:
            _refund(world, order, "k-cod")

        assert refused.value.code == GATEWAY_CANNOT_REFUND
        assert standin.state.orders[1002].refunds == []
        assert world.reload(order).total_refunded == 0
        assert "POST /v3/orders/1002/payment_actions/refunds" not in standin.calls


@pytest.mark.django_db
def test_a_refund_whose_answer_was_lost_is_found_not_repeated():
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        order = world.order(DELIVERED)
        standin.lose_answers.add("POST /v3/orders/1002/payment_actions/refunds")

        with pytest.raises(TransientCommerceError):
            _refund(world, order, "k-lost")
        assert len(standin.state.orders[1002].refunds) == 1
        again = _refund(world, order, "k-lost")

        assert len(standin.state.orders[1002].refunds) == 1
        assert again.refund_id == str(standin.state.orders[1002].refunds[0].id)
        assert world.reload(order).total_refunded == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_of_one_order_run_one_after_the_other():
    with bigcommerce_contract_world(timezone.now()) as (world, standin):
        order = world.order(DELIVERED)
        # While a refund is processing, BigCommerce refuses another on the same order.
        standin.refund_delay = 0.3
        standin._sleep = __import__("time").sleep
        results: list[object] = []

        def run(key: str) -> None:
            try:
                results.append(_refund(world, order, key))
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                results.append(exc)

        threads = [threading.Thread(target=run, args=(f"k-{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [type(r).__name__ for r in results] == ["RefundResult", "RefundResult"]
        assert len(standin.state.orders[1002].refunds) == 2
        assert world.reload(order).total_refunded == Decimal("20.00")
