"""Our webhooks on a WooCommerce store: registered with a per-store secret, kept active.

WooCommerce disables a webhook after 5 failed deliveries in a row and never retries, so
`webhooks_ensure` runs at connect and again from the backstop poll: a missing webhook is
created, and a paused or disabled one is switched back on with the store's secret (and
reported, so the merchant can be told).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.mapping import text
from apps.stores.models import IntegrationCredential, Store
from apps.woocommerce_app.connect import PROVIDER_KEY

TOPICS = ("order.created", "order.updated", "order.deleted")


def delivery_url(store: Store) -> str:
    path = reverse("webhooks:woocommerce", kwargs={"store_id": store.pk})
    return f"{settings.APP_URL.rstrip('/')}{path}"


def webhook_secret(store: Store) -> str:
    row = IntegrationCredential.objects.filter(store=store, provider=PROVIDER_KEY).first()
    return row.revealed_config().get("webhook_secret", "") if row is not None else ""


def webhooks_ensure(client: WooClient, store: Store) -> tuple[dict[str, int], list[str]]:
    """Our webhook id per topic, and the topics found paused or disabled (now active)."""
    url = delivery_url(store)
    secret = webhook_secret(store)
    held = _ours(client, url)
    ids: dict[str, int] = {}
    revived: list[str] = []
    for topic in TOPICS:
        hook = held.get(topic)
        if hook is None:
            body = {
                "name": f"Aftersale {topic}",
                "topic": topic,
                "delivery_url": url,
                "secret": secret,
                "status": "active",
            }
            created = client.request("POST", "webhooks", json=body).data
            ids[topic] = int(text(created.get("id")) or 0) if isinstance(created, dict) else 0
            continue
        ids[topic] = int(text(hook.get("id")))
        if text(hook.get("status")) != "active":
            revived.append(topic)
            # The secret is write-only in WooCommerce: set it again with the status.
            client.request(
                "PUT", f"webhooks/{ids[topic]}", json={"status": "active", "secret": secret}
            )
    return ids, revived


def _ours(client: WooClient, url: str) -> dict[str, dict[str, Any]]:
    rows = client.paginate("webhooks", {}, limit=300)
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and text(row.get("delivery_url")) == url:
            found.setdefault(text(row.get("topic")), row)
    return found
