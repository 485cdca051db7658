"""Fixed-window rate limits for the chat API, shared by every web process through Redis.

Each limit is "N requests per W seconds" for one subject (a conversation or a client
address). The first hit in a window creates the counter with a W-second expiry; a Lua
script does INCR + EXPIRE + TTL in one round trip, so the check is atomic across processes.
A fixed window lets a client burst up to 2N across a window edge; for chat that is harmless
and it keeps the check to one key and one round trip.

If Redis fails we let the request through (and log): a broken limiter must not take the
storefront chat down. Without REDIS_URL (the single-process demo) counters live in memory.
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
from django.conf import settings

from apps.conversations.api.problems import ChatProblem
from apps.core.redis import get_redis

logger = logging.getLogger(__name__)

# name -> "count/seconds". Override any of them with settings.CHAT_RATE_LIMITS.
DEFAULT_LIMITS: dict[str, str] = {
    # A person types a few messages a minute; a script types hundreds.
    "message_per_conversation": "10/60",
    "message_per_address": "30/60",
    # New conversations: a reload keeps the old one, so few are ever needed.
    "start_per_address": "10/600",
    # "Talk to a person" counts here instead of the message limits, so a shopper who was
    # told to slow down can still reach a human; its text is fixed, so it carries nothing.
    "handoff_per_conversation": "3/600",
    # Polls and config reads: two open tabs polling every second stay well under this.
    "read_per_address": "300/60",
}

# One round trip for every counter a request touches: INCR, start the window on the first
# hit, and report each counter with its remaining TTL.
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
class Limit:
    name: str
    count: int
    window: int


def get_limit(name: str) -> Limit:
    spec = {**DEFAULT_LIMITS, **getattr(settings, "CHAT_RATE_LIMITS", {})}[name]
    count, _, window = str(spec).partition("/")
    return Limit(name=name, count=int(count), window=int(window))


def enforce(*checks: tuple[str, str]) -> None:
    """Count one request against each (limit name, subject); raise 429 if any is exceeded.

    Every listed counter is incremented, so a client that keeps flooding stays blocked
    until its window ends. Subjects of other clients are never touched.
    """
    counters = [(get_limit(name), subject) for name, subject in checks]
    keys = [f"chat:rl:{limit.name}:{subject}" for limit, subject in counters]
    counts = _hit(keys, [limit.window for limit, _ in counters])
    retry_after = 0
    for (limit, _), (count, ttl) in zip(counters, counts, strict=True):
        if count > limit.count:
            retry_after = max(retry_after, ttl if ttl > 0 else limit.window)
    if retry_after:
        raise ChatProblem(
            429,
            "rate_limited",
            f"You're sending messages too quickly. Please wait {retry_after} seconds "
            "and try again.",
            retry_after=retry_after,
        )


def _hit(keys: list[str], windows: list[int]) -> list[tuple[int, int]]:
    """(count, seconds left) for each key after counting this request."""
    client = get_redis()
    if client is None:
        return [_memory.hit(key, window) for key, window in zip(keys, windows, strict=True)]
    try:
        flat = _script(client)(keys=keys, args=windows)
    except redis.exceptions.RedisError:
        logger.warning("chat rate limiter unavailable; letting the request through")
        return [(0, 0)] * len(keys)
    return [(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]


@lru_cache(maxsize=4)
def _script(client: redis.Redis) -> Any:
    # Sent once, then called by its SHA (redis-py reloads it if the server forgot it).
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

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


_memory = _MemoryWindows()
