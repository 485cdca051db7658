"""The store-scoped tokens in providers' inbound URLs (`/inbound/<channel>/<token>`)."""

from __future__ import annotations

import secrets

from django.db.models import TextField
from django.db.models.functions import Cast

from apps.conversations.models import InboundEndpoint
from apps.integrations.connections.registry import CONNECTABLE
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


def inbound_token(store: Store, channel: str) -> str:
    """The store's token for `channel`'s inbound URL (created on first use)."""
    endpoint, _ = InboundEndpoint.objects.get_or_create(
        store=store, channel=channel, defaults={"token": secrets.token_urlsafe(24)}
    )
    return endpoint.token


def endpoint_credential(token: str, channel: str, provider: str) -> IntegrationCredential | None:
    """The connected `provider` credential of the store whose `channel` token this is, with its
    store, in one query: the whole lookup an inbound webhook makes before its signature check.

    The config is not decrypted here: `sealed` holds its ciphertext, for
    apps.stores.credential_cache (most requests skip the decryption)."""
    # A provider that is not connectable yet is never used, even if a row exists for it.
    if not token or len(token) > 64 or not CONNECTABLE.get(provider, False):
        return None
    return (
        IntegrationCredential.objects.select_related("store")
        # Nothing encrypted is decrypted on the way: the store's own platform tokens are not
        # needed here, and would cost a Fernet decryption each.
        .defer("config", "store__access_token", "store__refresh_token")
        .annotate(sealed=Cast("config", TextField()))
        .filter(
            provider=provider,
            status=IntegrationStatus.CONNECTED,
            store__inbound_endpoints__token=token,
            store__inbound_endpoints__channel=channel,
        )
        .first()
    )
