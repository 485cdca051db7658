"""Shopify request verification: shop domains, HMACs and signatures.

Every comparison is constant time, and every check accepts the previous app secret
(SHOPIFY_API_SECRET_OLD) during a secret rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings

# Anchored, lower-cased before matching: this value goes into outbound URLs, so a loose
# check is an SSRF and token-theft hole (Shopify's WEAK_SHOP_VALIDATION check).
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")

# Install/callback links and App Proxy requests older than this are replays.
MAX_CLOCK_SKEW_SECONDS = 90


class InvalidShopDomain(ValueError):
    pass


def normalise_shop_domain(value: str | None) -> str:
    """`X.MYSHOPIFY.COM` -> `x.myshopify.com`; anything that is not a bare shop host raises.

    Non-ASCII is refused before any normalisation: `str.lower()` folds look-alikes into
    ASCII (U+212A KELVIN SIGN becomes `k`), so lower-casing first would let another
    spelling pass for a real shop.
    """
    raw = value or ""
    if not raw.isascii():
        raise InvalidShopDomain("not a myshopify.com shop domain")
    shop = raw.strip().lower()
    if len(shop) > 255 or not _SHOP_DOMAIN.fullmatch(shop):
        raise InvalidShopDomain("not a myshopify.com shop domain")
    return shop


def app_secrets() -> list[str]:
    """The current secret first, then the old one while a rotation is in progress."""
    return [s for s in (settings.SHOPIFY_API_SECRET, settings.SHOPIFY_API_SECRET_OLD) if s]


def _any_secret_matches(message: bytes, expected: str, *, digest: str) -> bool:
    if not expected:
        return False
    candidate = expected.encode()
    for secret in app_secrets():
        mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
        encoded = base64.b64encode(mac) if digest == "base64" else mac.hex().encode()
        if hmac.compare_digest(encoded, candidate):
            return True
    return False


def verify_webhook_hmac(body: bytes, header_value: str | None) -> bool:
    """Base64 HMAC-SHA256 of the raw body (never re-serialised JSON)."""
    return _any_secret_matches(body, (header_value or "").strip(), digest="base64")


def _single_values(params: Mapping[str, Sequence[str]]) -> dict[str, str] | None:
    """One value per key, or None when a key repeats (a smuggling attempt)."""
    flat: dict[str, str] = {}
    for key, values in params.items():
        if len(values) != 1:
            return None
        flat[key] = values[0]
    return flat


def verify_query_hmac(params: Mapping[str, Sequence[str]]) -> bool:
    """Install/callback query: drop hmac/signature, sort, `k=v&...`, hex HMAC-SHA256.

    `params` maps each key to its values (Django's `QueryDict.lists()` as a dict).
    """
    flat = _single_values(params)
    if flat is None:
        return False
    received = flat.pop("hmac", "")
    flat.pop("signature", None)
    message = "&".join(f"{_escape(k, key=True)}={_escape(v)}" for k, v in sorted(flat.items()))
    return _any_secret_matches(message.encode(), received.lower(), digest="hex")


def _escape(value: str, *, key: bool = False) -> str:
    value = value.replace("%", "%25").replace("&", "%26")
    return value.replace("=", "%3D") if key else value


# App Proxy parameters that say who is asking, for which shop and through which route.
# Shopify signs a repeated key as `k=v1,v2`, so a valid signature does not tell which value
# Shopify meant (it might have forwarded a shopper's value beside its own): refuse them.
PROXY_SINGLE_VALUED = (
    "shop",
    "signature",
    "timestamp",
    "logged_in_customer_id",
    "path_prefix",
)


def verify_proxy_signature(params: Mapping[str, Sequence[str]]) -> bool:
    """App Proxy: drop signature, `k=v1,v2` per key, sort, no separator, hex HMAC-SHA256.

    Any repeated PROXY_SINGLE_VALUED parameter is refused outright.
    """
    for guarded in PROXY_SINGLE_VALUED:
        if len(params.get(guarded, ())) > 1:
            return False
    received = (params.get("signature") or [""])[0]
    pieces = sorted(f"{k}={','.join(v)}" for k, v in params.items() if k != "signature")
    return _any_secret_matches("".join(pieces).encode(), received.lower(), digest="hex")


def timestamp_is_fresh(value: str | None, *, max_skew: int = MAX_CLOCK_SKEW_SECONDS) -> bool:
    try:
        stamp = int(value or "")
    except ValueError:
        return False
    return abs(time.time() - stamp) <= max_skew


def sign_query(params: Mapping[str, str], secret: str | None = None) -> str:
    """The hex HMAC Shopify would put on this query (for tests and local tools)."""
    message = "&".join(
        f"{_escape(k, key=True)}={_escape(v)}" for k, v in sorted(params.items()) if k != "hmac"
    )
    key = (secret or settings.SHOPIFY_API_SECRET).encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def sign_proxy_query(params: Mapping[str, str | Iterable[str]], secret: str | None = None) -> str:
    """The hex signature Shopify's App Proxy would add (for tests and local tools)."""
    pieces = []
    for k, v in params.items():
        if k == "signature":
            continue
        joined = v if isinstance(v, str) else ",".join(v)
        pieces.append(f"{k}={joined}")
    key = (secret or settings.SHOPIFY_API_SECRET).encode()
    return hmac.new(key, "".join(sorted(pieces)).encode(), hashlib.sha256).hexdigest()


def sign_webhook(body: bytes, secret: str | None = None) -> str:
    key = (secret or settings.SHOPIFY_API_SECRET).encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
