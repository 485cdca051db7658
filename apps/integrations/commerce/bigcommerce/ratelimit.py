"""BigCommerce's per-store request quota, shared by every worker through Redis.

BigCommerce counts requests per store in a window (150 per 30 s on Standard and Plus,
shared with the merchant's other apps) and reports what is left on every answer
(`X-Rate-Limit-Requests-Left`, `X-Rate-Limit-Time-Reset-Ms`). We keep, per store, what is
left and when the window resets, and every worker takes one request from it atomically
before sending (a Lua script): forty workers reading "plenty left" at once would otherwise
all send and overrun the window. An answer can only lower what is left within a window
(requests still in flight are not in it yet); a later reset starts a new window. With
less than `reserve` left, a worker waits for the reset. Without Redis (the demo) the
record is per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from apps.core.redis import get_redis

# Requests left in the window that we never spend: the merchant's other apps share it.
RESERVE = 2
_local: dict[str, tuple[float, float]] = {}
_local_lock = threading.Lock()

# KEYS[1] quota; ARGV now, reserve. Returns seconds to wait ("0": one request taken).
_TAKE = """
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
local reset_at = tonumber(redis.call('HGET', KEYS[1], 'reset_at'))
local now = tonumber(ARGV[1])
if not left or not reset_at or reset_at <= now then return '0' end
if left > tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'left', left - 1)
  return '0'
end
return tostring(reset_at - now)
"""
# KEYS[1] quota; ARGV left (reported), reset_at (reported), ttl ms.
_RECORD = """
local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
local reset_at = tonumber(redis.call('HGET', KEYS[1], 'reset_at'))
local new_left, new_reset = tonumber(ARGV[1]), tonumber(ARGV[2])
if left and reset_at and new_reset <= reset_at + 1 then
  if new_left < left then redis.call('HSET', KEYS[1], 'left', new_left) end
else
  redis.call('HSET', KEYS[1], 'left', new_left, 'reset_at', new_reset)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


def _key(store_hash: str) -> str:
    return f"bigcommerce:quota:{store_hash}"


class StoreQuota:
    def __init__(self, store_hash: str, *, clock: Callable[[], float] = time.time) -> None:
        self.key = _key(store_hash)
        self._clock = clock

    def take(self, reserve: int = RESERVE) -> float:
        """Take one request from the window: 0 when taken, else how long to wait first.
        Background work keeps a larger `reserve`, leaving the rest to customers' turns."""
        now = self._clock()
        client = get_redis()
        if client is None:
            return self._take_local(now, reserve)
        found = client.eval(_TAKE, 1, self.key, now, reserve)
        return max(0.0, float(found.decode() if isinstance(found, bytes) else found))

    def record(self, headers: Mapping[str, str]) -> None:
        """Remember what an answer said about the quota (nothing when it said nothing)."""
        left = _header_int(headers, "X-Rate-Limit-Requests-Left")
        reset_ms = _header_int(headers, "X-Rate-Limit-Time-Reset-Ms")
        if left is None or reset_ms is None:
            return
        reset_at = self._clock() + reset_ms / 1000
        client = get_redis()
        if client is None:
            self._record_local(left, reset_at)
            return
        ttl = int(reset_ms) + 1000
        client.eval(_RECORD, 1, self.key, left, reset_at, ttl)

    def _take_local(self, now: float, reserve: int) -> float:
        with _local_lock:
            found = _local.get(self.key)
            if found is None or found[1] <= now:
                return 0.0
            left, reset_at = found
            if left > reserve:
                _local[self.key] = (left - 1, reset_at)
                return 0.0
            return reset_at - now

    def _record_local(self, left: int, reset_at: float) -> None:
        with _local_lock:
            found = _local.get(self.key)
            if found is not None and reset_at <= found[1] + 1:
                _local[self.key] = (min(found[0], left), found[1])
            else:
                _local[self.key] = (left, reset_at)


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None
