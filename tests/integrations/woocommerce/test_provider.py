"""What the WooCommerce provider withstands beyond the shared contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.commerce.base import (
    Address,
    PlatformRejected,
    ReauthorizationRequired,
    TransientCommerceError,
)
from apps.integrations.commerce.demo import data
from apps.integrations.commerce.woocommerce.client import WooBusy
from apps.integrations.commerce.woocommerce.provider import WooCommerceProvider
from apps.integrations.commerce.woocommerce.refunds import GatewayCannotRefund
from apps.orders.models import Order
from apps.stores.models import Store
from standins.woocommerce import WooStandIn
from standins.woocommerce.build import WooIds, add_order
from tests.integrations.commerce.contract import DELIVERED, IN_TRANSIT, JANE, ContractWorld
from tests.integrations.woocommerce.contract_world import woocommerce_contract_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_and_shop() -> Iterator[tuple[ContractWorld, WooStandIn]]:
    with woocommerce_contract_world(timezone.now()) as pair:
        yield pair


@pytest.fixture
def stripped() -> Iterator[tuple[ContractWorld, WooStandIn]]:
    with woocommerce_contract_world(timezone.now(), strip_authorization=True) as pair:
        yield pair


def test_a_host_that_strips_authorization_is_answered_through_the_query_string(
    stripped: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = stripped

    found = world.provider.find_order("#1001", email=JANE.email)
    again = world.provider.find_order("#1002", email=JANE.email)

    assert found is not None
    assert again is not None
    # One refused call, then every call (this one's retry and the next lookup's) in the query.
    assert shop.calls[:2] == ["GET wc/v3/orders/1001", "GET wc/v3/orders/1001"]
    assert shop.calls.count("GET wc/v3/orders/1002") == 1


def test_wrong_keys_flag_the_store_for_reconnection(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    shop.consumer_secret = "cs_" + "9" * 40  # the merchant revoked the key

    with pytest.raises(ReauthorizationRequired):
        world.provider.find_order("#1001", email=JANE.email)

    store = Store.objects.get(pk=world.provider.store.pk)  # type: ignore[attr-defined]
    assert store.needs_reauth is True


@pytest.mark.parametrize("headers", [{"Retry-After": "1"}, {}], ids=["retry-after", "bare"])
def test_a_429_is_waited_out_with_or_without_retry_after(
    world_and_shop: tuple[ContractWorld, WooStandIn], headers: dict[str, str]
) -> None:
    world, shop = world_and_shop
    waits: list[float] = []
    world.provider.client._sleep = waits.append  # type: ignore[attr-defined]
    shop.fail_next(429, headers, times=2)

    found = world.provider.find_order("#1001", email=JANE.email)

    assert found is not None
    assert shop.throttled == 2
    assert len(waits) == 2
    if headers:
        assert min(waits) >= 1.0


def test_an_outage_becomes_a_transient_error_within_the_wait_bound(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    shop.offline = True

    with pytest.raises(TransientCommerceError):
        world.provider.find_order("#1001", email=JANE.email)


def test_a_503_storm_gives_up_as_busy(world_and_shop: tuple[ContractWorld, WooStandIn]) -> None:
    world, shop = world_and_shop
    shop.fail_next(503, times=20)

    with pytest.raises(WooBusy):
        world.provider.get_order("1001")


def test_a_guest_order_is_found_by_email_and_listed(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    template = data.demo_orders(timezone.now())[2]  # Jane's unfulfilled jacket
    add_order(shop, template, WooIds(), number=1100, guest=True)

    found = world.provider.find_order("#1100", email=JANE.email)
    listed = world.provider.list_customer_orders(email=JANE.email)

    assert found is not None
    assert found.customer_id == ""
    assert 1100 in [o.number for o in listed]
    assert world.provider.find_order("#1100", customer_id="101") is None


def test_pagination_follows_total_pages_and_never_asks_for_more_than_100(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    template = data.demo_orders(timezone.now())[0]
    for number in range(2000, 2130):
        add_order(shop, template, WooIds(), number=number)

    rows = world.provider.client.paginate("orders", {}, limit=250)  # type: ignore[attr-defined]

    # 142 rows (12 demo orders + 130) in two pages: the stand-in refuses per_page > 100.
    assert len(rows) == 142
    assert shop.calls.count("GET wc/v3/orders") == 2
    with pytest.raises(PlatformRejected, match="per_page"):
        world.provider.client.get("orders", {"per_page": 101})  # type: ignore[attr-defined]


def test_a_gateway_that_cannot_refund_leaves_nothing_recorded(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    shop.gateway_refunds = False
    order = world.order(DELIVERED)

    with pytest.raises(GatewayCannotRefund, match="did not refund"):
        world.provider.refund(
            order_id=order.id,
            amount=Decimal("10.00"),
            line_items=None,
            reason="late",
            idempotency_key="t-gw",
        )

    assert world.reload(order).total_refunded == 0


def test_an_older_woocommerce_refund_without_money_moved_is_taken_back(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    shop.gateway_refunds = False
    shop.legacy_refunds = True
    order = world.order(DELIVERED)

    with pytest.raises(GatewayCannotRefund, match="no refund was recorded"):
        world.provider.refund(
            order_id=order.id,
            amount=Decimal("10.00"),
            line_items=None,
            reason="late",
            idempotency_key="t-legacy",
        )

    after = world.reload(order)
    assert after.total_refunded == 0
    assert after.refunds == ()


def test_an_offline_payment_is_refunded_on_record_and_the_merchant_told_to_pay(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    template = data.demo_orders(timezone.now())[1]
    add_order(shop, template, WooIds(), number=1200, payment_method="cod")
    order = world.order(type(DELIVERED)(1200, JANE))

    result = world.provider.refund(
        order_id=order.id,
        amount=Decimal("5.00"),
        line_items=None,
        reason="goodwill",
        idempotency_key="t-cod",
    )

    assert result.evidence["refunded_payment"] is False
    [note] = shop.notes[1200]
    assert "please return the money yourself" in note["note"]
    assert note["customer_note"] is False


def test_a_customer_visible_note_is_sent_as_one(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    order = world.order(IN_TRANSIT)

    world.provider.add_customer_note(order_id=order.id, note="Your parcel is on its way.")  # type: ignore[attr-defined]
    world.provider.add_note(order_id=order.id, note="Asked about delivery.")

    kinds = [(n["note"], n["customer_note"]) for n in shop.notes[int(order.id)]]
    assert kinds == [("Your parcel is on its way.", True), ("Asked about delivery.", False)]


def test_an_address_change_on_a_shipped_order_is_refused_before_any_write(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    order = world.order(IN_TRANSIT)
    with pytest.raises(PlatformRejected, match="shipped"):
        world.provider.update_shipping_address(
            order_id=order.id,
            address=Address(address1="1 A St", city="X", country_code="US"),
            idempotency_key="t-addr",
        )

    assert not [c for c in shop.calls if c.startswith(("PUT", "POST"))]


def test_a_fresh_snapshot_answers_without_calling_the_store(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    first = world.provider.find_order("#1001", email=JANE.email)
    calls = shop.requests

    again = world.provider.find_order("#1001", email=JANE.email)
    stranger = world.provider.find_order("#1001", email="mallory@example.com")

    assert again == first
    assert stranger is None
    assert shop.requests == calls


def test_a_store_outage_is_answered_from_a_recent_snapshot_only(
    world_and_shop: tuple[ContractWorld, WooStandIn],
) -> None:
    world, shop = world_and_shop
    world.provider.find_order("#1001", email=JANE.email)
    Order.objects.update(synced_at=timezone.now() - timedelta(minutes=30))
    shop.offline = True

    found = world.provider.find_order("#1001", email=JANE.email)
    Order.objects.update(synced_at=timezone.now() - timedelta(hours=2))

    assert found is not None
    with pytest.raises(TransientCommerceError):
        world.provider.find_order("#1001", email=JANE.email)


@pytest.mark.django_db(transaction=True)
def test_two_workers_refunding_with_one_key_refund_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    with woocommerce_contract_world(timezone.now()) as (world, shop):
        order = world.order(DELIVERED)

        store = world.provider.store  # type: ignore[attr-defined]

        def attempt(_: int) -> str:
            provider = WooCommerceProvider(store)  # one per worker, as in production
            try:
                return provider.refund(
                    order_id=order.id,
                    amount=Decimal("10.00"),
                    line_items=None,
                    reason="late",
                    idempotency_key="t-race",
                ).refund_id
            finally:
                provider.close()
                connection.close()

        with ThreadPoolExecutor(max_workers=4) as pool:
            ids = set(pool.map(attempt, range(4)))

        assert len(ids) == 1
        assert len(shop.refunds[int(order.id)]) == 1
