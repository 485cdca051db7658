"""BigCommerce's per-store request quota, shared by every worker through Redis.

BigCommerce counts requests per store in a window (150 per 30 s on Standard and Plus,
shared with the merchant's other apps) and reports what is left on every answer
(`X-Rate-Limit-Requests-Left`, `X-Rate-Limit-Time-Reset-Ms`). We record the latest report
per store; a worker about to call a store with less than RESERVE requests left waits for
the window to reset instead of spending a 429. Without Redis (the demo) the record is
per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from apps.core.redis import get_redis

# Requests left in the window that we never spend: the merchant's other apps share it.
RESERVE = 2
_local: dict[str, tuple[int, float]] = {}
_local_lock = threading.Lock()


def _key(store_hash: str) -> str:
    return f"bigcommerce:quota:{store_hash}"


class StoreQuota:
    def __init__(self, store_hash: str, *, clock: Callable[[], float] = time.time) -> None:
        self.key = _key(store_hash)
        self._clock = clock

    def wait_seconds(self, reserve: int = RESERVE) -> float:
        """How long to wait before the next request (0 = go now). Background work keeps a
        larger `reserve`, leaving the rest of the window to customers' turns."""
        left, reset_at = self._read()
        if left is None or left > reserve:
            return 0.0
        return max(0.0, reset_at - self._clock())

    def record(self, headers: Mapping[str, str]) -> None:
        """Remember what an answer said about the quota (nothing when it said nothing)."""
        left, reset_ms = (
            _header_int(headers, "X-Rate-Limit-Requests-Left"),
            _header_int(headers, "X-Rate-Limit-Time-Reset-Ms"),
        )
        if left is None or reset_ms is None:
            return
        reset_at = self._clock() + reset_ms / 1000
        client = get_redis()
        if client is None:
            with _local_lock:
                _local[self.key] = (left, reset_at)
            return
        ttl = max(1, int(reset_ms) + 1000)
        client.set(self.key, f"{left}:{reset_at}", px=ttl)

    def _read(self) -> tuple[int | None, float]:
        client = get_redis()
        if client is None:
            with _local_lock:
                found = _local.get(self.key)
            if found is None or found[1] <= self._clock():
                return None, 0.0
            return found
        raw = client.get(self.key)
        if raw is None:
            return None, 0.0
        left, _, reset_at = (raw.decode() if isinstance(raw, bytes) else str(raw)).partition(":")
        try:
            return int(left), float(reset_at)
        except ValueError:
            return None, 0.0


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None
