"""A storefront's signed word for who is logged in, on the widget-key path.

On Shopify the App Proxy signature vouches for `logged_in_customer_id`. A WooCommerce store
has no proxy, and a customer id the browser sends proves nothing, so our WordPress plugin
signs one for the logged-in customer on each page it renders:

    customer_claim = base64url(JSON {"cid": "42", "email": "...", "exp": 1700000000})
                     + "." + hex(HMAC-SHA256(claim secret, the base64url part))

with the store's own claim secret (made by the plugin on the merchant's site, pasted into
our dashboard, kept encrypted in the store's `IntegrationCredential` for "woocommerce").
We take the customer id
only from a claim whose signature matches in constant time, that has not expired and
does not reach further ahead than MAX_AHEAD (a leaked claim dies soon).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time

from apps.chat.api.problems import ChatProblem
from apps.stores.models import IntegrationCredential, Platform, Store

MAX_LENGTH = 600
MAX_AHEAD = 24 * 3600
CLAIM_PROVIDER = "woocommerce"
_SHAPE = re.compile(r"^([A-Za-z0-9_-]{1,500})\.([0-9a-f]{64})$")
_CUSTOMER_ID = re.compile(r"^[0-9]{1,20}$")


def claim_sign(payload: dict[str, object], secret: str) -> str:
    """What the plugin does (kept here for tests and for documentation of the format)."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{body}.{hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()}"


def claimed_customer_id(store: Store, claim: str, *, now: float | None = None) -> str:
    """The customer id a valid claim names; ChatProblem (401) for any other claim. A store
    that has no claim secret yet takes no claims: the shopper is a guest ("")."""
    secret = _secret(store)
    if not secret:
        return ""
    match = _SHAPE.match(claim) if len(claim) <= MAX_LENGTH else None
    if match is None:
        raise _refused()
    expected = hmac.new(secret.encode(), match.group(1).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group(2)):
        raise _refused()
    payload = _payload(match.group(1))
    moment = time.time() if now is None else now
    expires = payload.get("exp")
    if not isinstance(expires, int) or expires <= moment:
        raise ChatProblem(401, "stale_request", "Your sign-in has expired. Please reload the page.")
    customer_id = str(payload.get("cid") or "")
    if expires > moment + MAX_AHEAD or not _CUSTOMER_ID.match(customer_id):
        raise _refused()
    return customer_id


def _secret(store: Store) -> str:
    if store.platform != Platform.WOOCOMMERCE:
        return ""
    row = IntegrationCredential.objects.filter(store=store, provider=CLAIM_PROVIDER).first()
    return row.revealed_config().get("claim_secret", "") if row is not None else ""


def _payload(encoded: str) -> dict[str, object]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise _refused() from None
    if not isinstance(decoded, dict):
        raise _refused()
    return decoded


def _refused() -> ChatProblem:
    return ChatProblem(401, "invalid_customer_claim", "This request could not be verified.")
