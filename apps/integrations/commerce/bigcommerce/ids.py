"""A BigCommerce store is known by its hash (`stores/{hash}` in JWTs and API paths); our
Store.domain for it is the store's own control-panel and storefront host,
store-{hash}.mybigcommerce.com, so the hash is read back from there."""

from __future__ import annotations

import re

from apps.stores.models import Store

_HASH = re.compile(r"[a-z0-9]{1,32}")
_DOMAIN = re.compile(r"store-([a-z0-9]{1,32})\.mybigcommerce\.com")


class InvalidStoreHash(ValueError):
    pass


def domain_for(store_hash: str) -> str:
    if not _HASH.fullmatch(store_hash or ""):
        raise InvalidStoreHash("not a BigCommerce store hash")
    return f"store-{store_hash}.mybigcommerce.com"


def hash_from_context(context: str) -> str:
    """`stores/abc123` (the `context` of /auth, the `sub` of a signed payload) -> abc123."""
    prefix, _, store_hash = (context or "").partition("/")
    if prefix != "stores" or not _HASH.fullmatch(store_hash):
        raise InvalidStoreHash("not a stores/{hash} context")
    return store_hash


def store_hash(store: Store) -> str:
    match = _DOMAIN.fullmatch(store.domain or "")
    if match is None:
        raise InvalidStoreHash("this store has no BigCommerce store hash")
    return match.group(1)
