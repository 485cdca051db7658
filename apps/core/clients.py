"""Which address a request came from, for per-client rate limits (chat, install, admin).

X-Forwarded-For is only believed as far as proxies we run ourselves add to it
(settings.CHAT_TRUSTED_PROXY_HOPS, 0 by default = no proxy in front of Django). A request
that came through the Shopify App Proxy has one more trusted hop: Shopify appends the
shopper's address, and its signature proves the request came from Shopify.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def client_address(request: HttpRequest, *, via_shopify_proxy: bool = False) -> str:
    hops = int(getattr(settings, "CHAT_TRUSTED_PROXY_HOPS", 0)) + (1 if via_shopify_proxy else 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if hops <= 0:
        return _normalise(remote)
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    # Our proxies each append one entry; the one `hops` from the right was added by the
    # outermost proxy we trust, and is the address it saw.
    if len(forwarded) >= hops:
        return _normalise(forwarded[-hops])
    return _normalise(remote)


def _normalise(value: str) -> str:
    """A canonical form, so one client cannot spread over many spellings of its address.

    IPv6 clients are grouped by /64: one customer line usually owns a whole /64.
    """
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return "invalid"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


def client_key(address: str) -> str:
    """A keyed hash of a client address: comparable across conversations (the agent counts
    failed order checks per client), not reversible to the address."""
    return salted_hmac("aftersale.chat.client", address, algorithm="sha256").hexdigest()[:32]
