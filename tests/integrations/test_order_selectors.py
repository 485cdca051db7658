"""apps.orders.selectors: reads of the order snapshot never cross a store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.orders.selectors import order_candidates_for_customer, order_get, orders_with_number
from apps.stores.models import Store
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_order_get_is_scoped_to_the_store(store: Store, other_store: Store) -> None:
    mine = OrderFactory(store=store, platform_order_id="gid://shopify/Order/1")
    OrderFactory(store=other_store, platform_order_id="gid://shopify/Order/2")

    assert order_get(store=store, platform_order_id="gid://shopify/Order/1") == mine
    assert order_get(store=store, platform_order_id="gid://shopify/Order/2") is None
    assert order_get(store=store, platform_order_id="") is None


def test_orders_with_number_newest_first_and_by_name_when_unnumbered(
    store: Store, other_store: Store
) -> None:
    now = timezone.now()
    old = OrderFactory(store=store, number=1001, platform_created_at=now - timedelta(days=9))
    new = OrderFactory(store=store, number=1001, platform_created_at=now)
    unnumbered = OrderFactory(
        store=store, number=None, name="#1001", platform_created_at=now - timedelta(days=20)
    )
    OrderFactory(store=store, number=None, name="#10010")
    OrderFactory(store=other_store, number=1001)

    assert list(orders_with_number(store=store, number=1001)) == [new, old, unnumbered]


def test_customer_candidates_match_any_identity_newest_first(
    store: Store, other_store: Store
) -> None:
    now = timezone.now()
    by_email = OrderFactory(
        store=store, email="Jane@Example.com", platform_created_at=now - timedelta(days=3)
    )
    by_id = OrderFactory(
        store=store, customer_platform_id="c-1", platform_created_at=now - timedelta(days=2)
    )
    by_phone = OrderFactory(
        store=store, phone="+1 (555) 010-1001", platform_created_at=now - timedelta(days=1)
    )
    by_address_phone = OrderFactory(
        store=store, shipping_address={"phone": "555.010.1001"}, platform_created_at=now
    )
    OrderFactory(store=other_store, email="jane@example.com")
    OrderFactory(store=store, email="sam@example.com")

    found = list(
        order_candidates_for_customer(
            store=store, email="jane@example.com", phone_suffix="1001", customer_id="c-1"
        )
    )

    assert found == [by_address_phone, by_phone, by_id, by_email]


def test_no_identity_lists_nothing(store: Store) -> None:
    OrderFactory(store=store, email="", phone="")

    assert list(order_candidates_for_customer(store=store)) == []
