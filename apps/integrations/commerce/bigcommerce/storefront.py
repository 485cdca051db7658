"""What an installed app sets up in the store: its webhooks (Webhooks V3, each carrying our
per-store secret header) and the storefront chat script (Scripts V3)."""

from __future__ import annotations

from typing import Any

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
)


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


def _scripts(client: BigCommerceClient) -> list[dict[str, Any]]:
    found = client.get("v3/content/scripts") or {}
    return [s for s in found.get("data") or [] if isinstance(s, dict)]
