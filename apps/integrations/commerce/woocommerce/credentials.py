"""A WooCommerce store's REST key pair, kept in the store's one encrypted credential.

WooCommerce issues a consumer key and a consumer secret together; they are useless apart,
so both go into `Store.access_token` (encrypted at rest) as one value.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.integrations.commerce.base import ReauthorizationRequired
from apps.stores.fields import Secret
from apps.stores.models import Store

_SEPARATOR = "\n"


@dataclass(frozen=True)
class KeyPair:
    consumer_key: str
    consumer_secret: str

    def __repr__(self) -> str:
        return f"<KeyPair {self.consumer_key[:7]}…>"


def key_pair_pack(*, consumer_key: str, consumer_secret: str) -> str:
    """The plaintext to assign to `Store.access_token` (the field encrypts it)."""
    if not consumer_key or not consumer_secret or _SEPARATOR in consumer_key + consumer_secret:
        raise ValueError("a consumer key and a consumer secret are required")
    return f"{consumer_key}{_SEPARATOR}{consumer_secret}"


def key_pair_of(store: Store) -> KeyPair:
    """The store's keys; ReauthorizationRequired when it has none we can use."""
    token = store.access_token
    plain = token.reveal() if isinstance(token, Secret) else str(token or "")
    key, _, secret = plain.partition(_SEPARATOR)
    if not key or not secret:
        raise ReauthorizationRequired(f"no WooCommerce keys for store {store.pk}")
    return KeyPair(key, secret)
