"""Installing (or reviving) a Shopify store from either install path.

Both paths hold the per-shop token lock across the token call and the write: Shopify
keeps only one expiring offline token live per app and shop, so two racing installs
must not each store a pair where one has already been revoked by the other.
Nothing is written unless Shopify handed us a token.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from apps.core.ratelimit import Rate, seconds_to_wait
from apps.shopify_app.session_tokens import SessionTokenClaims
from apps.shopify_app.tasks import post_install
from apps.shopify_app.token_endpoint import (
    exchange_authorization_code,
    exchange_session_token,
)
from apps.shopify_app.tokens import has_usable_credentials, shop_token_lock
from apps.stores.models import Platform, Store
from apps.stores.services import TokenSet, store_install

logger = logging.getLogger(__name__)


DEFAULT_INSTALL_RATE_LIMITS = {
    # A merchant installs once; a few retries and tabs stay well inside these.
    "per_address": "20/600",
    "per_shop": "10/600",
}


def install_seconds_to_wait(*, address: str, shop: str) -> int:
    """Count one /shopify/install call; 0 when allowed, else seconds until it would be.

    Anyone may call it and each call stores a state row, so it is bounded per client
    address and per shop (settings.INSTALL_RATE_LIMITS overrides the defaults).
    """
    limits = {**DEFAULT_INSTALL_RATE_LIMITS, **settings.INSTALL_RATE_LIMITS}
    return seconds_to_wait(
        (f"install:address:{address}", Rate.parse(limits["per_address"])),
        (f"install:shop:{shop}", Rate.parse(limits["per_shop"])),
    )


def shopify_store(shop: str) -> Store | None:
    """The Shopify store for a verified shop domain, whatever its status."""
    return Store.objects.filter(platform=Platform.SHOPIFY, domain=shop).first()


def store_for_session(claims: SessionTokenClaims, session_token: str) -> Store:
    """The installed store behind a verified session token, installing it when needed.

    When we hold no usable credential (no store, uninstalled, flagged for re-auth, or
    expired with no usable refresh token) the session token is exchanged for an
    expiring offline token. Raises InvalidSubjectToken, TokenRequestRefused,
    TokenEndpointUnavailable or LockTimeout; on any of them nothing was written.
    """
    store = shopify_store(claims.shop)
    if store is not None and has_usable_credentials(store):
        return store
    with shop_token_lock(claims.shop):
        store = shopify_store(claims.shop)  # a concurrent request may have installed it
        if store is not None and has_usable_credentials(store):
            return store
        tokens = exchange_session_token(claims.shop, session_token)
        return _install(claims.shop, tokens, path="token_exchange")


def store_install_from_code(*, shop: str, code: str) -> Store:
    """Classic OAuth callback: exchange `code` and install or revive the store.

    The caller has verified the hmac, timestamp and state. Raises TokenRequestRefused,
    TokenEndpointUnavailable or LockTimeout; on any of them nothing was written.
    """
    with shop_token_lock(shop):
        tokens = exchange_authorization_code(shop, code)
        return _install(shop, tokens, path="authorization_code")


def _install(shop: str, tokens: TokenSet, *, path: str) -> Store:
    with transaction.atomic():
        store = store_install(platform=Platform.SHOPIFY, domain=shop, tokens=tokens)
        store_id = store.pk
        # robust: a broker hiccup must not turn a completed install into an error page;
        # the task is idempotent and only tops up what store_install already did.
        transaction.on_commit(lambda: post_install.delay(store_id), robust=True)
    logger.info("shopify store installed shop=%s store_id=%s path=%s", shop, store.pk, path)
    return store
