"""Fixed-window request counters shared by every web process through Redis.

For every unauthenticated door: the chat API (its limits per conversation and per address
are apps.chat.api.ratelimit's), the install entry point and the Django admin
login. A rate is "N per W seconds" for one subject; the first hit in a window starts its
expiry, in one Lua round trip.

If Redis fails the request goes through (and is logged): a broken limiter must not lock
merchants out of installing. Without REDIS_URL (the single-process demo) counters live in
memory.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
import redis.exceptions

from apps.core.redis import get_redis

logger = logging.getLogger(__name__)

_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[#out + 1] = count
  out[#out + 1] = redis.call('TTL', key)
end
return out
"""


@dataclass(frozen=True)
class Rate:
    count: int
    window: int

    @classmethod
    def parse(cls, spec: str) -> Rate:
        """`"20/600"` -> 20 requests per 600 seconds."""
        count, _, window = str(spec).partition("/")
        return cls(count=int(count), window=int(window))


def seconds_to_wait(*checks: tuple[str, Rate]) -> int:
    """Count one request against each (key, rate); 0 when every rate allows it, else the
    seconds until the longest exceeded window ends. Every counter is incremented, so a
    client that keeps hammering stays blocked."""
    keys = [f"rl:{key}" for key, _ in checks]
    counts = _hit(keys, [rate.window for _, rate in checks])
    wait = 0
    for (_, rate), (count, ttl) in zip(checks, counts, strict=True):
        if count > rate.count:
            wait = max(wait, ttl if ttl > 0 else rate.window)
    return wait


def _hit(keys: list[str], windows: list[int]) -> list[tuple[int, int]]:
    client = get_redis()
    if client is None:
        return [_memory.hit(key, window) for key, window in zip(keys, windows, strict=True)]
    try:
        flat = _script(client)(keys=keys, args=windows)
    except redis.exceptions.RedisError:
        logger.warning("rate limiter unavailable; letting the request through")
        return [(0, 0)] * len(keys)
    return [(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]


@lru_cache(maxsize=4)
def _script(client: redis.Redis) -> Any:
    return client.register_script(_SCRIPT)


class _MemoryWindows:
    """The demo-mode stand-in: one process, so a dict under a lock is enough."""

    _MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, window: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            if len(self._windows) > self._MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            ends, count = self._windows.get(key, (0.0, 0))
            if ends <= now:
                ends, count = now + window, 0
            self._windows[key] = (ends, count + 1)
        return count + 1, max(1, int(ends - now + 0.999))


_memory = _MemoryWindows()
