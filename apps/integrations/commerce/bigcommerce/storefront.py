"""What an installed app sets up in the store: its webhooks (Webhooks V3, each carrying our
per-store secret header) and the storefront chat script (Scripts V3); and where the
store's storefronts live (Store Information V2, Sites V3), for the widget's CORS."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from apps.integrations.commerce.base import PlatformRejected
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient

SECRET_HEADER = "X-Aftersale-Webhook-Secret"
SCRIPT_NAME = "Aftersale chat"
# Orders and their parts: each delivery only names the order, which we then re-read.
WEBHOOK_SCOPES = (
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/order/refund/created",
    "store/shipment/created",
    "store/shipment/updated",
    "store/app/uninstalled",
    # The store's settings changed, its domain among them: read its storefront hosts again.
    "store/information/updated",
)
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_HOSTS = 20


def register_webhooks(client: BigCommerceClient, destination: str, secret: str) -> int:
    """Create the hooks that are missing (one per scope and destination); returns how many."""
    existing = client.get("v3/hooks") or {}
    have = {
        (h.get("scope"), h.get("destination"))
        for h in existing.get("data") or []
        if isinstance(h, dict)
    }
    created = 0
    for scope in WEBHOOK_SCOPES:
        if (scope, destination) in have:
            continue
        body = {
            "scope": scope,
            "destination": destination,
            "is_active": True,
            "headers": {SECRET_HEADER: secret},
        }
        client.post("v3/hooks", body)
        created += 1
    return created


def install_chat_script(client: BigCommerceClient, html: str) -> str:
    """The chat's script tag on every storefront page, once; returns the script's uuid.

    `auto_uninstall` makes BigCommerce remove it when the app is uninstalled (our token
    is revoked by then, so we could not)."""
    for script in _scripts(client):
        if script.get("name") == SCRIPT_NAME:
            return str(script.get("uuid"))
    answer = client.post(
        "v3/content/scripts",
        {
            "name": SCRIPT_NAME,
            "description": "The Aftersale customer-support chat",
            "kind": "script_tag",
            "html": html,
            "load_method": "default",
            "location": "footer",
            "visibility": "storefront",
            "auto_uninstall": True,
            "consent_category": "essential",
            "enabled": True,
        },
    )
    uuid = str(((answer or {}).get("data") or {}).get("uuid") or "")
    if not uuid:
        raise PlatformRejected("BigCommerce did not create the chat script")
    return uuid


def store_profile(client: BigCommerceClient) -> dict[str, Any]:
    """The store's name, currency and time zone (GET /v2/store)."""
    found = client.get("v2/store") or {}
    return found if isinstance(found, dict) else {}


def storefront_hosts(client: BigCommerceClient, profile: dict[str, Any]) -> list[str]:
    """The host names the store's storefronts are served from: the default storefront's
    primary domain (`domain`, `secure_url` of GET /v2/store, i.e. `profile`) and every
    site's primary and canonical URL (GET /v3/sites: headless storefronts and other
    channels). Checkout URLs are left out: the chat script is a storefront script."""
    urls = [str(profile.get("secure_url") or ""), f"https://{profile.get('domain') or ''}"]
    page = 1
    while page <= 5:
        found = client.get("v3/sites", {"page": page, "limit": 250}) or {}
        for site in found.get("data") or []:
            if not isinstance(site, dict):
                continue
            urls.append(str(site.get("url") or ""))
            urls += [
                str(u.get("url") or "")
                for u in site.get("urls") or []
                if isinstance(u, dict) and u.get("type") in ("primary", "canonical")
            ]
        pages = ((found.get("meta") or {}).get("pagination") or {}).get("total_pages") or 1
        if page >= int(pages):
            break
        page += 1
    hosts: list[str] = []
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        if _HOST.match(host) and host not in hosts:
            hosts.append(host)
    return hosts[:MAX_HOSTS]


def _scripts(client: BigCommerceClient) -> list[dict[str, Any]]:
    found = client.get("v3/content/scripts") or {}
    return [s for s in found.get("data") or [] if isinstance(s, dict)]
