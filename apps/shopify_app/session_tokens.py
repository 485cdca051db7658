"""App Bridge session tokens (a.k.a. ID tokens): decode and validate, nothing else.

A session token is a one-minute HS256 JWT signed with the app secret. We accept it only
when every check Shopify's own libraries make passes, each one an explicit `raise`
(never `assert`, which `python -O` strips): HS256 only, signature under the current or
the previous secret, `aud` is our API key, `exp`/`nbf` within a 10 s leeway, the claims
we rely on present, and `iss` and `dest` on the same valid shop host. The shop is taken
from `dest`, never from a query parameter.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.conf import settings

from apps.core.untrusted_json import parse_json_object
from apps.shopify_app.security import InvalidShopDomain, app_secrets, normalise_shop_domain

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10
# `sid` is absent from some extension tokens, so it is read when present but not required.
REQUIRED_CLAIMS = ("iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti")
# Real tokens are a few hundred bytes; refuse anything absurd before parsing it.
MAX_TOKEN_LENGTH = 4096


class SessionTokenFailure(enum.StrEnum):
    MALFORMED = "malformed"
    ALGORITHM = "algorithm"
    SIGNATURE = "signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    AUDIENCE = "audience"
    MISSING_CLAIM = "missing_claim"
    ISSUER = "issuer"
    NOT_CONFIGURED = "not_configured"


class SessionTokenError(Exception):
    """The session token is not acceptable; `reason` says why (safe to log)."""

    def __init__(self, reason: SessionTokenFailure, detail: str = "") -> None:
        super().__init__(f"invalid session token: {reason.value}{f' ({detail})' if detail else ''}")
        self.reason = reason


@dataclass(frozen=True)
class SessionTokenClaims:
    """What a verified session token tells us. Holds no credential."""

    shop: str  # normalised host of `dest`, e.g. "x.myshopify.com"
    user_id: str  # `sub`: the Shopify staff member using the admin
    session_id: str  # `sid`, "" when the token carries none
    jti: str
    expires_at: datetime


def decode_session_token(token: str) -> SessionTokenClaims:
    """Validate `token` and return its claims; raises SessionTokenError on any failure."""
    if not settings.SHOPIFY_API_KEY or not app_secrets():
        raise SessionTokenError(SessionTokenFailure.NOT_CONFIGURED)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise SessionTokenError(SessionTokenFailure.MALFORMED)
    _check_header(token)
    payload = _verified_payload(token)
    # PyJWT also accepts a list that contains our key; Shopify sends exactly our key.
    if payload["aud"] != settings.SHOPIFY_API_KEY:
        raise SessionTokenError(SessionTokenFailure.AUDIENCE)
    shop = _shop_from_issuer_and_destination(payload["iss"], payload["dest"])
    return SessionTokenClaims(
        shop=shop,
        user_id=_claim_text(payload, "sub"),
        session_id=str(payload.get("sid") or ""),
        jti=_claim_text(payload, "jti"),
        expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
    )


def _check_header(token: str) -> None:
    # Our own strict reader first (deep nesting, lone surrogates), then PyJWT's.
    try:
        segment = token.split(".", 1)[0]
        parse_json_object(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        header = jwt.get_unverified_header(token)
    except (ValueError, jwt.DecodeError):  # InvalidJSON and binascii.Error are ValueErrors
        raise SessionTokenError(SessionTokenFailure.MALFORMED) from None
    # PyJWT would refuse other algorithms too; saying so first gives a precise reason.
    if header.get("alg") != ALGORITHM:
        raise SessionTokenError(SessionTokenFailure.ALGORITHM)


def _verified_payload(token: str) -> dict[str, Any]:
    """Try the current secret, then the old one; only a bad signature moves to the next."""
    for secret in app_secrets():
        try:
            return jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                audience=settings.SHOPIFY_API_KEY,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise SessionTokenError(SessionTokenFailure.EXPIRED) from None
        except jwt.ImmatureSignatureError:
            raise SessionTokenError(SessionTokenFailure.NOT_YET_VALID) from None
        except jwt.InvalidAudienceError:
            raise SessionTokenError(SessionTokenFailure.AUDIENCE) from None
        except jwt.MissingRequiredClaimError as exc:
            raise SessionTokenError(SessionTokenFailure.MISSING_CLAIM, exc.claim) from None
        except jwt.InvalidAlgorithmError:
            raise SessionTokenError(SessionTokenFailure.ALGORITHM) from None
        except jwt.PyJWTError:
            raise SessionTokenError(SessionTokenFailure.MALFORMED) from None
    raise SessionTokenError(SessionTokenFailure.SIGNATURE)


def _claim_text(payload: dict[str, Any], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise SessionTokenError(SessionTokenFailure.MISSING_CLAIM, name)
    return str(value)


def _shop_from_issuer_and_destination(iss: object, dest: object) -> str:
    """`iss` is https://<shop>/admin and `dest` https://<shop>: same origin, a real shop."""
    dest_shop = _shop_origin(dest)
    if _shop_origin(iss) != dest_shop:
        raise SessionTokenError(SessionTokenFailure.ISSUER, "iss and dest differ")
    return dest_shop


def _shop_origin(value: object) -> str:
    # ASCII first: urlsplit's hostname is lower-cased, which folds look-alikes into ASCII.
    if not isinstance(value, str) or not value.isascii():
        raise SessionTokenError(SessionTokenFailure.ISSUER, "not a URL")
    parts = urlsplit(value)
    # netloc must be the bare host: no port, no userinfo that could hide another host.
    if parts.scheme != "https" or not parts.hostname or parts.netloc.lower() != parts.hostname:
        raise SessionTokenError(SessionTokenFailure.ISSUER, "not an https shop origin")
    try:
        return normalise_shop_domain(parts.hostname)
    except InvalidShopDomain:
        raise SessionTokenError(SessionTokenFailure.ISSUER, "not a shop domain") from None
