"""The `state` nonce of the authorization-code flow: issue, then consume exactly once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from apps.shopify_app.models import OAuthState

# Long enough to read Shopify's consent screen, short enough to be useless when leaked.
STATE_TTL = timedelta(minutes=10)
# Expired rows are kept this long (for support questions), then swept on the next issue.
EXPIRED_RETENTION = timedelta(days=1)
# A merchant retrying an install needs one live state, a few tabs a handful; anyone can
# call /shopify/install, so older rows of a shop are dropped past this (the newest win).
MAX_STATES_PER_SHOP = 5


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def oauth_state_issue(*, shop: str) -> str:
    """Create a fresh nonce bound to `shop` and return it (the only time it exists in clear).

    Keeps at most MAX_STATES_PER_SHOP rows per shop: the oldest are invalidated.
    """
    now = timezone.now()
    OAuthState.objects.filter(expires_at__lt=now - EXPIRED_RETENTION).delete()
    nonce = secrets.token_urlsafe(32)
    OAuthState.objects.create(shop=shop, nonce_hash=_hash(nonce), expires_at=now + STATE_TTL)
    surplus = OAuthState.objects.filter(shop=shop).order_by("-created_at", "-pk")[
        MAX_STATES_PER_SHOP:
    ]
    OAuthState.objects.filter(pk__in=list(surplus.values_list("pk", flat=True))).delete()
    return nonce


def oauth_state_consume(*, shop: str, nonce: str) -> bool:
    """True once for a nonce issued for `shop` and not yet expired; False ever after.

    One conditional UPDATE: of two racing callbacks only one sees a row count of 1.
    A nonce issued for another shop matches nothing and is left untouched.
    """
    if not nonce or len(nonce) > 128:
        return False
    now = timezone.now()
    updated = OAuthState.objects.filter(
        nonce_hash=_hash(nonce), shop=shop, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    return updated == 1
