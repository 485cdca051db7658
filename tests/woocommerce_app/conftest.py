"""A connected WooCommerce store, its stand-in behind respx, and its webhook secret."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import respx

from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
from apps.stores.models import IntegrationCredential, IntegrationStatus, Platform, Store
from apps.woocommerce_app.models import WooConnection
from standins.woocommerce import WooStandIn
from tests.factories import StoreFactory

KEY, SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40


def connected_store(domain: str, *, webhook_secret: str, claim_secret: str = "claim") -> Store:
    store = StoreFactory(
        platform=Platform.WOOCOMMERCE,
        domain=domain,
        access_token=key_pair_pack(consumer_key=KEY, consumer_secret=SECRET),
    )
    IntegrationCredential.objects.create(
        store=store,
        provider="woocommerce",
        config=json.dumps({"webhook_secret": webhook_secret, "claim_secret": claim_secret}),
        status=IntegrationStatus.CONNECTED,
    )
    WooConnection.objects.create(store=store, owner_emails=[f"owner@{domain}"])
    store.refresh_from_db()
    return store


@pytest.fixture
def woo_store(db: None) -> Store:
    return connected_store("northwind.example", webhook_secret="whsec-north")


@pytest.fixture
def other_woo_store(db: None) -> Store:
    return connected_store("other.example", webhook_secret="whsec-other")


@pytest.fixture
def woo_shop(woo_store: Store) -> Iterator[WooStandIn]:
    stand_in = WooStandIn(woo_store.domain, consumer_key=KEY, consumer_secret=SECRET)
    with respx.mock(assert_all_called=False) as router:
        stand_in.mount(router)
        yield stand_in
