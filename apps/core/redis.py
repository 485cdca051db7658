"""The one shared Redis connection pool (broker aside)."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def get_redis() -> redis.Redis | None:
    """The Redis client, or None in the single-process demo mode (no REDIS_URL)."""
    if not settings.REDIS_URL:
        return None
    return _client(settings.REDIS_URL)
