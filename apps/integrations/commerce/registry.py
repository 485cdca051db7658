"""Which provider serves which platform: a dict, not an if-chain."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from apps.integrations.commerce.base import CommerceProvider
from apps.stores.models import Platform, Store

# platform -> "module:factory"; modules import lazily so one provider never loads another.
_PROVIDERS: dict[str, str] = {
    Platform.DEMO: "apps.integrations.commerce.demo:DemoCommerceProvider",
    Platform.SHOPIFY: "apps.integrations.commerce.shopify.provider:ShopifyCommerceProvider",
    Platform.BIGCOMMERCE: (
        "apps.integrations.commerce.bigcommerce.provider:BigCommerceCommerceProvider"
    ),
    Platform.WOOCOMMERCE: "apps.integrations.commerce.woocommerce.provider:WooCommerceProvider",
}


class UnsupportedPlatform(Exception):
    pass


def get_commerce_provider(store: Store) -> CommerceProvider:
    """A fresh provider bound to this store (holds no state shared between stores)."""
    target = _PROVIDERS.get(store.platform)
    if target is None:
        raise UnsupportedPlatform(store.platform)
    module_name, _, attribute = target.partition(":")
    factory: Callable[[Store], CommerceProvider] = getattr(import_module(module_name), attribute)
    return factory(store)
