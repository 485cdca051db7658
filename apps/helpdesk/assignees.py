"""The people and teams the merchant can route escalations to, as their helpdesk lists them.

Listing calls the helpdesk, which never happens in a request: a task reads the lists of
the store's connected helpdesks into Redis, and the settings form offers what is there
(and, while nothing is, takes an id typed by hand, checked only for its shape).
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

import redis.exceptions

from apps.core.locks import LockTimeout
from apps.core.redis import get_redis
from apps.helpdesk.sync import connected_helpdesks
from apps.helpdesk.tokens import fresh_config
from apps.integrations.helpdesk.base import AssigneeKind, HelpdeskError
from apps.integrations.helpdesk.registry import provider_for
from apps.integrations.helpdesk.tenants import tenant_from_config
from apps.stores.models import IntegrationCredential

logger = logging.getLogger(__name__)

# Long enough to fill a settings page, short enough that a new team shows up the same day.
TTL_SECONDS = 3600
MAX_LISTED = 200


@dataclass(frozen=True)
class Choice:
    provider: str
    kind: AssigneeKind
    id: str
    name: str


def _key(store_id: int) -> str:
    return f"helpdesk:assignees:{store_id}"


def assignees_listed(store_id: int) -> list[Choice] | None:
    """What the last refresh found (None: not listed yet, or Redis unavailable)."""
    client = get_redis()
    if client is None:
        return None
    try:
        raw = client.get(_key(store_id))
    except redis.exceptions.RedisError:
        return None
    if raw is None:
        return None
    try:
        rows = json.loads(raw)
        return [Choice(r["provider"], AssigneeKind(r["kind"]), r["id"], r["name"]) for r in rows]
    except (ValueError, KeyError, TypeError):
        return None


def assignees_forget(store_id: int) -> None:
    """A helpdesk connected, reconnected or left: its list may be another account's now."""
    cache = get_redis()
    if cache is not None:
        with contextlib.suppress(redis.exceptions.RedisError):
            cache.delete(_key(store_id))


def assignees_refresh(store_id: int) -> int:
    """List each connected helpdesk's people and teams into the cache; how many. A helpdesk
    that cannot answer now is left out (the form then takes a typed id for it)."""
    found: list[Choice] = []
    for provider_key in connected_helpdesks(store_id):
        credential = IntegrationCredential.objects.filter(
            store_id=store_id, provider=provider_key
        ).first()
        if credential is None:
            continue
        try:
            client = provider_for(tenant_from_config(provider_key, fresh_config(credential)))
            listed = client.list_assignees()
        except (HelpdeskError, LockTimeout) as exc:
            logger.info("assignees of %s not listed: %s", provider_key, exc)
            continue
        found += [Choice(provider_key, a.kind, a.id, a.name or a.id) for a in listed]
    rows = [
        {"provider": c.provider, "kind": c.kind.value, "id": c.id, "name": c.name}
        for c in found[:MAX_LISTED]
    ]
    cache = get_redis()
    if cache is not None:
        # Lost, the form falls back to a typed id.
        with contextlib.suppress(redis.exceptions.RedisError):
            cache.set(_key(store_id), json.dumps(rows), ex=TTL_SECONDS)
    return len(rows)
