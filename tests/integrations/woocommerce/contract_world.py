"""The WooCommerce backend of the commerce contract (tests/integrations/commerce/contract.py).

Store A is the demo store's data held by a stateful stand-in of its REST API (order ids
equal order numbers, as in core); store B holds #5001, an order of Jane's email, under
another id (a sequential-number plugin). Both sit behind respx at their own domains,
and the providers under test talk to them exactly as they talk to a real store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import respx

from apps.integrations.commerce.demo import data
from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
from apps.integrations.commerce.woocommerce.provider import WooCommerceProvider
from apps.stores.models import Platform
from standins.woocommerce import WooStandIn
from standins.woocommerce.build import demo_store, foreign_store
from tests.factories import StoreFactory
from tests.integrations.commerce.contract import FOREIGN, NOBODY, ContractWorld

STORE_A = "northwind.example"
STORE_B = "other-outfitters.example"
KEYS = {
    STORE_A: ("ck_" + "a" * 40, "cs_" + "1" * 40),
    STORE_B: ("ck_" + "b" * 40, "cs_" + "2" * 40),
}


def stand_in(domain: str, **options: object) -> WooStandIn:
    key, secret = KEYS[domain]
    return WooStandIn(domain, consumer_key=key, consumer_secret=secret, **options)  # type: ignore[arg-type]


def woo_provider(domain: str) -> WooCommerceProvider:
    key, secret = KEYS[domain]
    store = StoreFactory(
        platform=Platform.WOOCOMMERCE,
        domain=domain,
        access_token=key_pair_pack(consumer_key=key, consumer_secret=secret),
    )
    store.refresh_from_db()  # the keys as code reads them: a decrypted Secret
    provider = WooCommerceProvider(store)
    provider.client._sleep = lambda seconds: None
    return provider


@contextmanager
def woocommerce_contract_world(
    now: datetime, **options: object
) -> Iterator[tuple[ContractWorld, WooStandIn]]:
    """The world, and store A's stand-in (to look at what was sent)."""
    shop_a = stand_in(STORE_A, **options)
    shop_b = stand_in(STORE_B)
    ids = demo_store(shop_a, now)
    foreign_store(shop_b, now, number=FOREIGN.number)
    with respx.mock(assert_all_called=False) as router:
        shop_a.mount(router)
        shop_b.mount(router)
        customer_ids = {c.id: str(ids.customer(c.id)) for c in data.CUSTOMERS}
        customer_ids[NOBODY.customer_id] = str(ids.customer(NOBODY.customer_id))
        world = ContractWorld(
            provider=woo_provider(STORE_A),
            other_provider=woo_provider(STORE_B),
            customer_ids=customer_ids,
        )
        try:
            yield world, shop_a
        finally:
            for provider in (world.provider, world.other_provider):
                provider.close()  # type: ignore[attr-defined]
