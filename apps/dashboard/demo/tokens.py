"""Session tokens for the demo store, minted locally so a newcomer can open the dashboard.

The demo store (platform "demo") has no Shopify admin to issue App Bridge session tokens,
so `make demo` mints one here. Such a token is honoured only while settings.DEBUG is on,
only for an installed store of the demo platform, and never for long:

- it is signed with a key derived from the app secret for this purpose alone, so it can
  never pass as a Shopify session token and a Shopify token can never pass as one of these
  (a Shopify token's `dest` is a myshopify.com shop, which the demo path refuses anyway);
- its header carries `kid: aftersale-demo`, which is how the dashboard tells the two apart
  before verifying anything; with DEBUG off that header is ignored and the token goes down
  the Shopify path, which rejects it;
- `dest` names the demo store's domain and must match an installed demo-platform store;
- it lives DEMO_TOKEN_MINUTES (at most MAX_TOKEN_MINUTES, checked on the way in too).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.conf import settings

from apps.shopify_app.session_tokens import LEEWAY_SECONDS, SessionTokenClaims
from apps.stores.models import Platform, Store, StoreStatus

KEY_ID = "aftersale-demo"
ISSUER = "aftersale-demo"
DEMO_USER = "demo-merchant"
DEMO_TOKEN_MINUTES = 10
MAX_TOKEN_MINUTES = 60
_REQUIRED = ("iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti")
_MAX_LENGTH = 4096


class DemoTokenError(Exception):
    """A demo token cannot be minted or was not accepted (the message is safe to show)."""


def _signing_key() -> bytes:
    secret = settings.SHOPIFY_API_SECRET
    if not secret:
        raise DemoTokenError("SHOPIFY_API_SECRET is not set")
    return hmac.new(secret.encode(), b"aftersale demo session token v1", hashlib.sha256).digest()


def _demo_enabled() -> None:
    if not settings.DEBUG:
        raise DemoTokenError("demo session tokens exist only with DEBUG on")


def mint_demo_token(store: Store, *, minutes: int = DEMO_TOKEN_MINUTES) -> str:
    """A session token for `store`, which must be an installed demo-platform store.

    Raises DemoTokenError when DEBUG is off, for any other store, or an absurd lifetime.
    """
    _demo_enabled()
    if store.platform != Platform.DEMO or store.status != StoreStatus.INSTALLED:
        raise DemoTokenError("only the installed demo store can get a demo session token")
    if not 1 <= minutes <= MAX_TOKEN_MINUTES:
        raise DemoTokenError(f"a demo token lives 1 to {MAX_TOKEN_MINUTES} minutes")
    now = datetime.now(tz=UTC)
    claims = {
        "iss": ISSUER,
        "dest": f"https://{store.domain}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": DEMO_USER,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256", headers={"kid": KEY_ID})


def is_demo_token(token: str) -> bool:
    """Whether the (unverified) header says "demo token": only routes, proves nothing."""
    if not token or len(token) > _MAX_LENGTH:
        return False
    try:
        return jwt.get_unverified_header(token).get("kid") == KEY_ID
    except jwt.PyJWTError:
        return False


def verify_demo_token(token: str) -> tuple[Store, SessionTokenClaims]:
    """The demo store and claims behind a demo token; DemoTokenError on any failure."""
    _demo_enabled()
    payload = _decode(token)
    if payload["iss"] != ISSUER or payload["aud"] != settings.SHOPIFY_API_KEY:
        raise DemoTokenError("not a demo session token")
    if int(payload["exp"]) - int(payload["iat"]) > MAX_TOKEN_MINUTES * 60:
        raise DemoTokenError("demo session token lives too long")
    domain = _dest_host(payload["dest"])
    store = Store.objects.filter(
        platform=Platform.DEMO, domain=domain, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        raise DemoTokenError("no installed demo store for this token")
    claims = SessionTokenClaims(
        shop=store.domain,
        user_id=str(payload["sub"])[:64],
        session_id="",
        jti=str(payload["jti"]),
        expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
    )
    return store, claims


def _decode(token: str) -> dict[str, Any]:
    if not is_demo_token(token):
        raise DemoTokenError("not a demo session token")
    try:
        return jwt.decode(
            token,
            _signing_key(),
            algorithms=["HS256"],
            audience=settings.SHOPIFY_API_KEY,
            leeway=LEEWAY_SECONDS,
            options={"require": list(_REQUIRED)},
        )
    except jwt.ExpiredSignatureError:
        raise DemoTokenError("demo session token expired") from None
    except jwt.PyJWTError:
        raise DemoTokenError("demo session token is not valid") from None


def _dest_host(dest: object) -> str:
    parts = urlsplit(dest if isinstance(dest, str) else "")
    if parts.scheme != "https" or not parts.hostname or parts.netloc.lower() != parts.hostname:
        raise DemoTokenError("demo session token has no valid destination")
    return parts.hostname
