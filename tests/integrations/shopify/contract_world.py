"""The Shopify backend of the commerce contract (tests/integrations/commerce/contract.py).

Store A is the demo store's data held by a stateful stand-in of its GraphQL Admin API;
store B holds #5001, an order of Jane's email that store A must never show or change.
Both sit behind respx at their own shop domains, and the providers under test talk to
them exactly as they talk to Shopify (token header, pinned version, cost bucket).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import respx

from apps.integrations.commerce.demo import data
from apps.integrations.commerce.shopify.provider import ShopifyCommerceProvider
from standins.shopify.build import demo_shop, foreign_shop
from standins.shopify.simulator import ShopSimulator
from tests.factories import StoreFactory
from tests.integrations.commerce.contract import FOREIGN, NOBODY, ContractWorld

STORE_A = "northwind-outfitters.myshopify.com"
STORE_B = "other-outfitters.myshopify.com"


def _provider(domain: str, token: str) -> ShopifyCommerceProvider:
    store = StoreFactory(domain=domain, access_token=token)
    store.refresh_from_db()  # the token as code reads it: a decrypted Secret
    provider = ShopifyCommerceProvider(store)
    # orderCancel's job is polled after short waits; the stand-in's job is done by then.
    provider.edits._sleep = lambda seconds: None
    return provider


@contextmanager
def shopify_contract_world(now: datetime) -> Iterator[tuple[ContractWorld, ShopSimulator]]:
    """The world, and store A's stand-in (to look at what was sent)."""
    shop_a = ShopSimulator(STORE_A, token="shpat_contract_store_a")
    shop_b = ShopSimulator(STORE_B, token="shpat_contract_store_b")
    ids = demo_shop(shop_a.shop, now)
    foreign_shop(shop_b.shop, now, number=FOREIGN.number)
    with respx.mock(assert_all_called=False) as router:
        shop_a.mount(router)
        shop_b.mount(router)
        customer_ids = {c.id: ids.customer(c.id) for c in data.CUSTOMERS}
        customer_ids[NOBODY.customer_id] = ids.customer(NOBODY.customer_id)
        world = ContractWorld(
            provider=_provider(STORE_A, "shpat_contract_store_a"),
            other_provider=_provider(STORE_B, "shpat_contract_store_b"),
            customer_ids=customer_ids,
        )
        try:
            yield world, shop_a
        finally:
            for provider in (world.provider, world.other_provider):
                provider.close()  # type: ignore[attr-defined]
