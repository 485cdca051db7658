from __future__ import annotations

import time

import pytest
import respx

from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.provider import ShopifyCommerceProvider
from standins.shopify import endpoint
from standins.shopify.simulator import ShopSimulator
from tests.factories import StoreFactory


class Sleeps(list):
    """Records every wait instead of waiting, and moves its own clock on by it."""

    def __init__(self) -> None:
        super().__init__()
        self.now = time.time()

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def shop_store(db):  # type: ignore[no-untyped-def]
    store = StoreFactory(domain="jane-shop.myshopify.com", access_token="shpat_livetoken0001")
    store.refresh_from_db()  # the token as code reads it: a decrypted Secret
    return store


@pytest.fixture
def fake(shop_store):  # type: ignore[no-untyped-def]
    shop = ShopSimulator(shop_store.domain)
    with respx.mock(assert_all_called=False) as router:
        router.post(endpoint(shop_store.domain)).mock(side_effect=shop.respond)
        yield shop


@pytest.fixture
def client(shop_store, fake, sleeps):  # type: ignore[no-untyped-def]
    return ShopifyClient(shop_store, sleep=sleeps, clock=sleeps.time)


@pytest.fixture
def provider(shop_store, client):  # type: ignore[no-untyped-def]
    provider = ShopifyCommerceProvider(shop_store, client=client)
    provider.edits._sleep = client._sleep
    return provider
