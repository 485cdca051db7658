"""Where the GraphQL client gets a store's access token from: a token source.

Getting and refreshing Shopify's offline tokens is part of the install (the token endpoint,
the per-shop lock, rotation), which lives in apps.shopify_app above this package. So the
client does not import it: shopify_app hands its source in once at start-up
(`use_token_source`, from its AppConfig.ready), and a test may pass its own to the client.

A source raises ReauthorizationRequired when no usable credential is left and ShopifyBusy
when the token endpoint cannot answer right now.
"""

from __future__ import annotations

from typing import Protocol

from apps.stores.models import Store


class TokenSource(Protocol):
    def access_token(self, store: Store) -> str:
        """A token good for the next call (refreshed first when close to expiry)."""
        ...

    def refreshed_after_unauthorized(self, store: Store, rejected: str) -> str:
        """A new token after Shopify answered 401 to `rejected`."""
        ...


_source: TokenSource | None = None


def use_token_source(source: TokenSource) -> None:
    global _source
    _source = source


def token_source() -> TokenSource:
    if _source is None:
        raise RuntimeError("no Shopify token source: apps.shopify_app is not installed")
    return _source
