"""A per-tenant budget for helpdesk calls, shared by every worker through Redis.

Limits are per account at each provider (reference/helpdesks.md §10), so every worker
sending for one merchant draws from one bucket, sized under the provider's documented
limit so that our bucket throttles before the provider answers 429. When the provider
does answer 429 anyway, `pause` holds every worker off that tenant for its Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import redis.exceptions

from apps.core.ratelimit import Rate, seconds_to_wait
from apps.core.redis import get_redis
from apps.integrations.helpdesk.base import Tenant

logger = logging.getLogger(__name__)

# Below each provider's smallest documented limit (the cheapest plan / API-key auth):
# Gorgias a leaky bucket of 40 draining 2/s (API key), Zendesk 200 per minute (Team),
# Front 50 per minute (Starter), Intercom 10,000 per minute counted in 10 s windows.
# Our windows are fixed and start at their first call, so two full windows can meet in
# any stretch of the provider's: short windows keep even that worst case under the limit
# (Gorgias 2 x 18 < 40 at 1.8/s; Zendesk 7 x 28 < 200 a minute; Front 7 x 7 < 50 a
# minute; Intercom 3 x 400 < 1,666 in 10 s).
LIMITS: dict[str, Rate] = {
    "gorgias": Rate(18, 10),
    "zendesk": Rate(28, 10),
    "front": Rate(7, 10),
    "intercom": Rate(400, 5),
}


# Set while background work runs within the budget: every API call it makes counts (one
# row can take several calls: a customer lookup, the ticket, its tags).
_metered: ContextVar[bool] = ContextVar("helpdesk_metered", default=False)


@contextmanager
def metered() -> Iterator[None]:
    token = _metered.set(True)
    try:
        yield
    finally:
        _metered.reset(token)


def is_metered() -> bool:
    return _metered.get()


def _key(tenant: Tenant) -> str:
    return f"helpdesk:{tenant.provider}:{tenant.tenant_key}"


def seconds_until_allowed(tenant: Tenant) -> int:
    """0 when a call may go now (and counts it), else how long to wait before trying."""
    paused = _paused_for(tenant)
    if paused:
        return paused
    return seconds_to_wait((_key(tenant), LIMITS[tenant.provider]))


def pause(tenant: Tenant, seconds: float) -> None:
    """The provider said 429: nobody calls it for this tenant for `seconds`."""
    client = get_redis()
    if client is None:
        return  # the demo runs one process: the task's own countdown is enough
    try:
        client.set(f"{_key(tenant)}:paused", "1", ex=max(1, int(seconds + 0.999)))
    except redis.exceptions.RedisError:
        logger.warning("helpdesk pause not recorded (Redis unavailable)")


def _paused_for(tenant: Tenant) -> int:
    client = get_redis()
    if client is None:
        return 0
    try:
        ttl = int(client.ttl(f"{_key(tenant)}:paused"))
    except redis.exceptions.RedisError:
        return 0
    return ttl if ttl > 0 else 0


# One row at a time per account: a row can take several calls (a ticket with its customer
# and tags), and rows taking turns at a small budget would each spend it on a first call
# and leave none for finishing. The lease frees the turn of a worker that died.
TURN_LEASE_SECONDS = 30


def take_turn(tenant: Tenant, holder: str) -> bool:
    """True when `holder` may send for this account now (the turn is free, or its own)."""
    client = get_redis()
    if client is None:
        return True
    key = f"{_key(tenant)}:turn"
    try:
        if client.set(key, holder, nx=True, ex=TURN_LEASE_SECONDS):
            return True
        current = client.get(key)
        mine = (current.decode() if isinstance(current, bytes) else str(current)) == holder
        if mine:
            client.expire(key, TURN_LEASE_SECONDS)
    except redis.exceptions.RedisError:
        return True  # the budget still holds every call back
    return mine


def end_turn(tenant: Tenant, holder: str) -> None:
    client = get_redis()
    if client is None:
        return
    key = f"{_key(tenant)}:turn"
    try:
        current = client.get(key)
        if (current.decode() if isinstance(current, bytes) else str(current or "")) == holder:
            client.delete(key)
    except redis.exceptions.RedisError:
        return
