"""The store-scoped tokens in providers' inbound URLs (`/inbound/<channel>/<token>`)."""

from __future__ import annotations

import secrets

from apps.conversations.models import InboundEndpoint
from apps.stores.models import Store


def inbound_token(store: Store, channel: str) -> str:
    """The store's token for `channel`'s inbound URL (created on first use)."""
    endpoint, _ = InboundEndpoint.objects.get_or_create(
        store=store, channel=channel, defaults={"token": secrets.token_urlsafe(24)}
    )
    return endpoint.token


def store_for_token(token: str, channel: str) -> Store | None:
    if not token or len(token) > 64:
        return None
    endpoint = (
        InboundEndpoint.objects.select_related("store").filter(token=token, channel=channel).first()
    )
    return endpoint.store if endpoint else None
