"""Keeping one store's offline access token usable: refresh ahead of expiry and on 401.

Shopify's expiring offline tokens live an hour and come with a refresh token that is
rotated on every use, and only one expiring token per app and shop is live at a time.
So every refresh (and every token exchange, see apps.shopify_app.install) runs under one
per-shop Redis lock, re-reads the row inside it, and persists the new pair atomically:
concurrent workers refresh once and never overwrite a newer pair with an older one.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import redis.exceptions
from django.conf import settings
from django.utils import timezone

from apps.core.locks import LockTimeout, named_lock
from apps.shopify_app.errors import (
    NeedsReauthorization,
    TokenEndpointUnavailable,
    TokenRequestRefused,
)
from apps.shopify_app.token_endpoint import refresh_access_token
from apps.stores.fields import Secret
from apps.stores.models import Store
from apps.stores.services import store_save_tokens

logger = logging.getLogger(__name__)

# Worth retrying later: Shopify's endpoint, a refresh held by another worker, Redis itself.
TRANSIENT_TOKEN_ERRORS: tuple[type[Exception], ...] = (
    TokenEndpointUnavailable,
    LockTimeout,
    redis.exceptions.RedisError,
)

# "A few minutes before expiry": a token handed out now stays good for a whole API call
# (and its retries) even when clocks drift a little.
REFRESH_MARGIN = timedelta(minutes=5)


@contextmanager
def shop_token_lock(shop: str) -> Iterator[None]:
    """The one lock every token write for `shop` takes. Raises LockTimeout (transient).

    The holder may spend one token-endpoint call inside it, so the lock outlives a slow
    call and a waiter waits a little longer than one.
    """
    http = float(settings.SHOPIFY_HTTP_TIMEOUT)
    with named_lock(f"shopify-token:{shop}", timeout=http * 3 + 5, wait=http * 2 + 5):
        yield


def access_token_is_fresh(store: Store, *, now: datetime | None = None) -> bool:
    if not store.access_token:
        return False
    expires_at = store.access_token_expires_at
    return expires_at is None or expires_at - REFRESH_MARGIN > (now or timezone.now())


def refresh_token_is_usable(store: Store, *, now: datetime | None = None) -> bool:
    if not store.refresh_token:
        return False
    expires_at = store.refresh_token_expires_at
    return expires_at is None or expires_at > (now or timezone.now())


def has_usable_credentials(store: Store) -> bool:
    """Installed, not flagged, and either a fresh access token or a refresh token to get one."""
    if not store.is_installed or store.needs_reauth:
        return False
    return access_token_is_fresh(store) or refresh_token_is_usable(store)


def access_token_for(store: Store) -> str:
    """A valid offline access token for `store`, refreshed first when it is about to expire.

    Updates `store` in place when it refreshes. Raises NeedsReauthorization when the
    store cannot get a token without the merchant, or one of TRANSIENT_TOKEN_ERRORS
    (retry later).
    """
    _require_authorised(store)
    if access_token_is_fresh(store):
        return _reveal(store)
    with shop_token_lock(store.domain):
        store.refresh_from_db()  # another worker may have refreshed while we waited
        _require_authorised(store)
        if access_token_is_fresh(store):
            return _reveal(store)
        return _refresh_locked(store)


def refresh_after_unauthorized(store: Store, rejected_token: str) -> str:
    """The API answered 401 to `rejected_token`: return a token worth one more try.

    When another worker already replaced the rejected token, that newer token is
    returned without a refresh; otherwise we refresh. Same errors as access_token_for.
    """
    with shop_token_lock(store.domain):
        store.refresh_from_db()
        _require_authorised(store)
        current = _plaintext(store.access_token)
        replaced = bool(current) and not hmac.compare_digest(
            current.encode(), rejected_token.encode()
        )
        if replaced and access_token_is_fresh(store):
            return current
        return _refresh_locked(store)


def _refresh_locked(store: Store) -> str:
    """Refresh with the lock held and the row freshly read."""
    refresh_token = _plaintext(store.refresh_token)
    if not refresh_token or not refresh_token_is_usable(store):
        _mark_needs_reauth(store, "no usable refresh token")
        raise NeedsReauthorization(f"{store.domain} has no usable refresh token")
    try:
        tokens = refresh_access_token(store.domain, refresh_token)
    except TokenRequestRefused as exc:
        _mark_needs_reauth(store, exc.error or "refused")
        raise NeedsReauthorization(f"Shopify refused to refresh {store.domain}'s token") from None
    store_save_tokens(store, tokens)
    logger.info("shopify token refreshed shop=%s store_id=%s", store.domain, store.pk)
    return tokens.access_token


def _require_authorised(store: Store) -> None:
    if not store.is_installed:
        raise NeedsReauthorization(f"{store.domain} is not installed")
    if store.needs_reauth:
        raise NeedsReauthorization(f"{store.domain} must re-open the app to authorise again")


def _reveal(store: Store) -> str:
    token = _plaintext(store.access_token)
    if not token:
        raise NeedsReauthorization(f"{store.domain} has no access token")
    return token


def _plaintext(value: object) -> str:
    """An encrypted field's plaintext ("" when empty): a Secret at runtime, `str` to mypy."""
    return value.reveal() if isinstance(value, Secret) else ""


def _mark_needs_reauth(store: Store, reason: str) -> None:
    Store.objects.filter(pk=store.pk).update(needs_reauth=True, updated_at=timezone.now())
    store.needs_reauth = True
    logger.warning(
        "shopify store needs re-authorisation shop=%s store_id=%s reason=%s",
        store.domain,
        store.pk,
        reason,
    )
