"""A payload that names a shop must name the shop that signed the delivery.

The HMAC proves Shopify sent the delivery and the header names the shop it was sent for;
a payload naming another shop is misrouted or tampered with upstream, and acting on it
would touch the wrong tenant. Such an event fails for good (no retry) and changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apps.shopify_app.security import InvalidShopDomain, normalise_shop_domain
from apps.webhooks.handlers.base import PermanentHandlerError
from apps.webhooks.models import WebhookEvent

_MYSHOPIFY_SUFFIX = ".myshopify.com"


def require_payload_shop(event: WebhookEvent, value: object, *, field: str) -> None:
    """Raise PermanentHandlerError unless `value` is exactly the delivery's shop domain
    (case aside; non-ASCII look-alikes never match)."""
    if not isinstance(value, str) or not value:
        raise PermanentHandlerError(f"payload has no {field}")
    try:
        shop = normalise_shop_domain(value)
    except InvalidShopDomain:
        raise PermanentHandlerError(f"payload {field} is not a shop domain") from None
    if shop != event.shop_domain:
        raise PermanentHandlerError(f"payload {field} differs from the delivery's shop")


def require_order_shop(event: WebhookEvent, payload: Any) -> None:
    """An order payload names its shop only in `order_status_url`, and only when the
    status page is on the myshopify.com host (not on a custom domain): check it then."""
    url = payload.get("order_status_url") if isinstance(payload, dict) else None
    if not isinstance(url, str):
        return
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        raise PermanentHandlerError("payload order_status_url is not a URL") from None
    if host.endswith(_MYSHOPIFY_SUFFIX) or not host.isascii():
        require_payload_shop(event, host, field="order_status_url")
