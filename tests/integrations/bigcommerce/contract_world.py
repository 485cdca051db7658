"""The BigCommerce backend of the commerce contract (tests/integrations/commerce/contract.py).

Store A is the demo store's data held by a stateful stand-in of BigCommerce's REST APIs;
store B holds #5001, an order of Jane's email that store A must never show or change.
Both sit behind respx under their own store hash, and the providers under test talk to
them exactly as they talk to BigCommerce (X-Auth-Token, the shared quota headers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import respx

from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.provider import BigCommerceCommerceProvider
from apps.stores.models import Platform, Store
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.build import demo_store, foreign_store
from tests.factories import StoreFactory
from tests.integrations.commerce.contract import FOREIGN, ContractWorld

HASH_A = "northwind1"
HASH_B = "otherstore2"


def bigcommerce_store(store_hash: str, token: str) -> Store:
    store = StoreFactory(
        platform=Platform.BIGCOMMERCE,
        domain=f"store-{store_hash}.mybigcommerce.com",
        access_token=token,
        granted_scopes="store_v2_orders store_v2_products store_v2_content",
    )
    store.refresh_from_db()  # the token as code reads it: a decrypted Secret
    return store


def provider_for(store: Store) -> BigCommerceCommerceProvider:
    return BigCommerceCommerceProvider(store, client=BigCommerceClient(store, sleep=lambda s: None))


@contextmanager
def bigcommerce_contract_world(now: datetime) -> Iterator[tuple[ContractWorld, BigCommerceStandIn]]:
    """The world, and store A's stand-in (to look at what was sent, or to break it)."""
    standin_a = BigCommerceStandIn(HASH_A, token="bc_token_store_a")
    standin_b = BigCommerceStandIn(HASH_B, token="bc_token_store_b")
    customer_ids = demo_store(standin_a, now)
    foreign_store(standin_b, now, order_number=FOREIGN.number)
    with respx.mock(assert_all_called=False) as router:
        standin_a.mount(router)
        standin_b.mount(router)
        world = ContractWorld(
            provider=provider_for(bigcommerce_store(HASH_A, "bc_token_store_a")),
            other_provider=provider_for(bigcommerce_store(HASH_B, "bc_token_store_b")),
            customer_ids=customer_ids,
            carrier_events=False,
        )
        try:
            yield world, standin_a
        finally:
            for provider in (world.provider, world.other_provider):
                provider.close()  # type: ignore[attr-defined]
