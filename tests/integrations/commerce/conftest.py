"""Backends of the commerce contract, and the demo store fixtures.

To put a new provider under the contract: add its name to BACKENDS and provide a
`<name>_world` fixture returning a `contract.ContractWorld` (see contract.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from django.utils import timezone

from apps.integrations.commerce.demo import DemoCommerceProvider, data, seed_demo_store
from apps.integrations.commerce.snapshot import info_to_order_fields
from apps.orders.models import Order
from apps.stores.models import Store
from tests.integrations.commerce.contract import FOREIGN, ContractWorld

BACKENDS = ["demo", "shopify", "bigcommerce", "woocommerce"]
OTHER_DOMAIN = "other.aftersale.test"


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, db: None) -> ContractWorld:
    # `db` is asked for here, not only by the backend's fixture: pytest-django cannot set
    # the test database up when it is first reached through getfixturevalue().
    return request.getfixturevalue(f"{request.param}_world")


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def demo_store(db: None, now: datetime) -> Store:
    return seed_demo_store(now=now)


@pytest.fixture
def other_demo_store(db: None, now: datetime) -> Store:
    """A second demo store: the same canonical data plus FOREIGN, an order of Jane's."""
    store = seed_demo_store(domain=OTHER_DOMAIN, now=now)
    template = data.demo_orders(now)[0]
    foreign = replace(
        template, id=f"demo-order-{FOREIGN.number}", name=FOREIGN.name, number=FOREIGN.number
    )
    Order.objects.create(store=store, **info_to_order_fields(foreign))
    return store


@pytest.fixture
def demo(demo_store: Store) -> DemoCommerceProvider:
    return DemoCommerceProvider(demo_store)


@pytest.fixture
def demo_world(demo_store: Store, other_demo_store: Store) -> ContractWorld:
    return ContractWorld(
        provider=DemoCommerceProvider(demo_store),
        other_provider=DemoCommerceProvider(other_demo_store),
    )


@pytest.fixture
def shopify_world(db: None, now: datetime) -> Iterator[ContractWorld]:
    """Shopify's GraphQL Admin API, played by a stateful stand-in behind respx."""
    from tests.integrations.shopify.contract_world import shopify_contract_world

    with shopify_contract_world(now) as (world, _):
        yield world


@pytest.fixture
def bigcommerce_world(db: None, now: datetime) -> Iterator[ContractWorld]:
    """BigCommerce's REST APIs, played by a stateful stand-in behind respx."""
    from tests.integrations.bigcommerce.contract_world import bigcommerce_contract_world

    with bigcommerce_contract_world(now) as (world, _):
        yield world


@pytest.fixture
def woocommerce_world(db: None, now: datetime) -> Iterator[ContractWorld]:
    """WooCommerce's REST API, played by a stateful stand-in behind respx."""
    from tests.integrations.woocommerce.contract_world import woocommerce_contract_world

    with woocommerce_contract_world(now) as (world, _):
        yield world
