"""BigCommerce's `signed_payload_jwt` (load, uninstall, remove_user): verify, nothing else.

HS256 with our client secret, `aud` our client id, `iss` "bc", `sub` "stores/{hash}",
within `exp` (10 s leeway), the claims we rely on present, and `jti` used once: a replayed
load URL (browser history, a leaked link) opens nothing. Every check is an explicit raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache

from apps.integrations.commerce.bigcommerce.ids import InvalidStoreHash, hash_from_context

ALGORITHM = "HS256"
ISSUER = "bc"
LEEWAY_SECONDS = 10
MAX_TOKEN_LENGTH = 8192
# BigCommerce issues them for 24 h; anything longer-lived was not made by it.
MAX_LIFETIME_SECONDS = 24 * 3600 + 60
_REQUIRED = ("aud", "iss", "iat", "nbf", "exp", "jti", "sub")


class SignedPayloadError(Exception):
    """Not an acceptable signed payload (the message is safe to log)."""


@dataclass(frozen=True)
class SignedPayload:
    store_hash: str
    user_id: str
    user_email: str
    owner_id: str
    url: str
    jti: str


def verify_signed_payload(token: str, *, single_use: bool = True) -> SignedPayload:
    secret, client_id = settings.BIGCOMMERCE_CLIENT_SECRET, settings.BIGCOMMERCE_CLIENT_ID
    if not secret or not client_id:
        raise SignedPayloadError("BigCommerce app credentials are not configured")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise SignedPayloadError("malformed")
    payload = _decode(token, secret, client_id)
    if payload["iss"] != ISSUER or payload["aud"] != client_id:
        raise SignedPayloadError("not issued by BigCommerce for this app")
    if int(payload["exp"]) - int(payload["iat"]) > MAX_LIFETIME_SECONDS:
        raise SignedPayloadError("lives too long")
    try:
        store_hash = hash_from_context(str(payload["sub"]))
    except InvalidStoreHash:
        raise SignedPayloadError("no store in sub") from None
    user = _object(payload.get("user"))
    owner = _object(payload.get("owner"))
    user_id = str(user.get("id") or "")
    if not user_id.isdigit() or len(user_id) > 20:
        raise SignedPayloadError("no user")
    jti = str(payload["jti"])[:128]
    if single_use and not _first_use(jti, int(payload["exp"])):
        raise SignedPayloadError("replayed")
    return SignedPayload(
        store_hash=store_hash,
        user_id=user_id,
        user_email=str(user.get("email") or "")[:254],
        owner_id=str(owner.get("id") or "")[:20],
        url=str(payload.get("url") or "")[:500],
        jti=jti,
    )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _decode(token: str, secret: str, client_id: str) -> dict[str, Any]:
    try:
        if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
            raise SignedPayloadError("algorithm")
        return jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": list(_REQUIRED)},
        )
    except jwt.ExpiredSignatureError:
        raise SignedPayloadError("expired") from None
    except jwt.InvalidAudienceError:
        raise SignedPayloadError("for another app") from None
    except jwt.PyJWTError:
        raise SignedPayloadError("invalid") from None


def _first_use(jti: str, expires: int) -> bool:
    """Remember the jti until the token could no longer pass; False if already seen."""
    remaining = expires - int(datetime.now(tz=UTC).timestamp()) + LEEWAY_SECONDS
    return bool(cache.add(f"bigcommerce:jti:{jti}", 1, timeout=max(1, remaining)))
