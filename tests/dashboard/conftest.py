"""Dashboard fixtures: stores, App Bridge session tokens for them, and an authenticated client.

Session tokens are built exactly as Shopify documents them (tests/shopify_app/conftest.py);
the client sends them as App Bridge does: `Authorization: Bearer` on every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.stores.models import Store
from config.celery import app as celery_app
from tests.factories import StoreFactory
from tests.shopify_app.conftest import make_session_token

API_KEY = "3f1d6c0b8e2a4b7c9d0e1f2a3b4c5d6e"
API_SECRET = "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"


@pytest.fixture(autouse=True)
def _app_credentials(settings: Any) -> None:
    settings.SHOPIFY_API_KEY = API_KEY
    settings.SHOPIFY_API_SECRET = API_SECRET
    settings.SHOPIFY_API_SECRET_OLD = ""


def token_for(store: Store, **overrides: Any) -> str:
    return make_session_token(store.domain, **overrides)


class MerchantClient:
    """A Django test client that carries a store's session token like App Bridge does."""

    def __init__(self, store: Store, **token_overrides: Any) -> None:
        self.store = store
        self.client = Client()
        self.token_overrides = token_overrides

    def _headers(self, htmx: bool, target: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token_for(self.store, **self.token_overrides)}"}
        if htmx:
            headers["HX-Request"] = "true"
            if target:
                headers["HX-Target"] = target
        return headers

    def get(self, path: str, data: Any = None, *, htmx: bool = False, target: str = "") -> Any:
        return self.client.get(path, data, headers=self._headers(htmx, target))

    def post(self, path: str, data: Any = None, *, target: str = "") -> Any:
        return self.client.post(path, data or {}, headers=self._headers(True, target))


@pytest.fixture
def shop(db) -> Store:  # type: ignore[no-untyped-def]
    return StoreFactory(domain="fancy-socks.myshopify.com", name="Fancy Socks", currency="USD")


@pytest.fixture
def other_shop(db) -> Store:  # type: ignore[no-untyped-def]
    return StoreFactory(domain="rival-shop.myshopify.com", name="Rival", currency="EUR")


@pytest.fixture
def merchant(shop: Store) -> MerchantClient:
    return MerchantClient(shop)


@pytest.fixture
def rival(other_shop: Store) -> MerchantClient:
    return MerchantClient(other_shop)


@pytest.fixture
def demo_store(db) -> Store:  # type: ignore[no-untyped-def]
    return seed_demo_store()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks inline when enqueued (as `make demo` does without Redis)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


class DemoMerchantClient(MerchantClient):
    """The demo store's merchant: a locally minted demo token (DEBUG on)."""

    def _headers(self, htmx: bool, target: str) -> dict[str, str]:
        from apps.dashboard.demo.tokens import mint_demo_token

        headers = super()._headers(htmx, target)
        headers["Authorization"] = f"Bearer {mint_demo_token(self.store)}"
        return headers


@pytest.fixture
def demo_merchant(demo_store: Store, settings: Any) -> DemoMerchantClient:
    settings.DEBUG = True
    return DemoMerchantClient(demo_store)
