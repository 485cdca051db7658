"""One cost bucket per shop, shared by every worker through Redis.

Shopify meters the GraphQL Admin API with a leaky bucket per (app, shop): a query may
run only if the bucket holds its *requested* cost; afterwards the difference to the
*actual* cost is given back, and the bucket refills at `restoreRate` points a second.
We mirror that bucket so that we never send a query Shopify would throttle:

* `reserve(cost)` atomically takes the estimated requested cost out of our copy (after
  adding what has been restored since the last look) or says how long to wait;
* `settle(reserved, actual, status)` gives back `reserved - actual` and then believes
  Shopify's own `currentlyAvailable` when it is lower than ours (another process, a cost
  estimate that was too low): the copy errs on the side of waiting.

Every step is one Lua script, so concurrent workers never both spend the same points.
In demo mode (no Redis) the same arithmetic runs in-process under a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.core.redis import get_redis

# Until Shopify has answered once: the bucket of the older standard plan (1000 points,
# 50/s). Conservative; the first response replaces both with the shop's real figures.
DEFAULT_MAXIMUM = 1000.0
DEFAULT_RESTORE_RATE = 50.0
_KEY_TTL_SECONDS = 3600

_RESERVE = """
local key = KEYS[1]
local cost = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local state = redis.call('HMGET', key, 'max', 'available', 'rate', 'ts')
local max = tonumber(state[1]) or tonumber(ARGV[3])
local available = tonumber(state[2]) or max
local rate = tonumber(state[3]) or tonumber(ARGV[4])
local ts = tonumber(state[4]) or now
local current = math.min(max, available + math.max(0, now - ts) * rate)
local need = math.min(cost, max)
if current >= need then
  redis.call('HSET', key, 'max', max, 'available', current - need, 'rate', rate, 'ts', now)
  redis.call('EXPIRE', key, tonumber(ARGV[5]))
  return '0'
end
redis.call('HSET', key, 'max', max, 'available', current, 'rate', rate, 'ts', now)
redis.call('EXPIRE', key, tonumber(ARGV[5]))
return tostring((need - current) / rate)
"""

_SETTLE = """
local key = KEYS[1]
local refund = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local state = redis.call('HMGET', key, 'max', 'available', 'rate', 'ts')
local max = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local reported = tonumber(ARGV[5])
local available = tonumber(state[2]) or max
local ts = tonumber(state[4]) or now
local current = math.min(max, available + math.max(0, now - ts) * rate + refund)
if reported >= 0 and reported < current then
  current = reported
end
redis.call('HSET', key, 'max', max, 'available', current, 'rate', rate, 'ts', now)
redis.call('EXPIRE', key, tonumber(ARGV[6]))
return tostring(current)
"""


@dataclass(frozen=True)
class ThrottleStatus:
    """`extensions.cost.throttleStatus` of a response."""

    maximum_available: float
    currently_available: float
    restore_rate: float


@dataclass(frozen=True)
class QueryCost:
    """`extensions.cost` of a response; actual is None when Shopify throttled the query."""

    requested: float
    actual: float | None
    status: ThrottleStatus

    @classmethod
    def from_extensions(cls, extensions: Any) -> QueryCost | None:
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict) or not isinstance(cost.get("throttleStatus"), dict):
            return None
        status = cost["throttleStatus"]
        try:
            actual = cost.get("actualQueryCost")
            return cls(
                requested=float(cost.get("requestedQueryCost") or 0),
                actual=None if actual is None else float(actual),
                status=ThrottleStatus(
                    maximum_available=float(status["maximumAvailable"]),
                    currently_available=float(status["currentlyAvailable"]),
                    restore_rate=float(status["restoreRate"]),
                ),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def wait_seconds(self) -> float:
        """How long until the bucket holds this query's requested cost again."""
        missing = self.requested - self.status.currently_available
        return max(0.0, missing / self.status.restore_rate) if self.status.restore_rate else 1.0


class ShopBucket:
    """Our copy of one shop's bucket. Cheap to build; all state lives in Redis."""

    def __init__(self, shop: str, *, clock: Callable[[], float] = time.time) -> None:
        self.shop = shop
        self._key = f"shopify:bucket:{shop}"
        self._clock = clock

    def reserve(self, cost: float) -> float:
        """Take `cost` points now and return 0, or return the seconds to wait (nothing taken)."""
        client = get_redis()
        if client is None:
            return _local.reserve(self._key, cost, self._clock())
        result = client.eval(
            _RESERVE,
            1,
            self._key,
            cost,
            self._clock(),
            DEFAULT_MAXIMUM,
            DEFAULT_RESTORE_RATE,
            _KEY_TTL_SECONDS,
        )
        return float(result)

    def settle(self, *, reserved: float, cost: QueryCost | None) -> None:
        """Give back what the query did not use and align with Shopify's own figures."""
        if cost is None:
            # No cost extension (transport error, 5xx): the query never ran at Shopify.
            self._apply(refund=reserved, status=None)
            return
        used = cost.actual if cost.actual is not None else 0.0
        self._apply(refund=max(0.0, reserved - used), status=cost.status)

    def _apply(self, *, refund: float, status: ThrottleStatus | None) -> None:
        maximum = status.maximum_available if status else -1.0
        rate = status.restore_rate if status else -1.0
        reported = status.currently_available if status else -1.0
        client = get_redis()
        if client is None:
            _local.settle(self._key, refund, self._clock(), maximum, rate, reported)
            return
        if status is None:
            maximum, rate = self._current_shape(client)
        client.eval(
            _SETTLE, 1, self._key, refund, self._clock(), maximum, rate, reported, _KEY_TTL_SECONDS
        )

    def _current_shape(self, client: Any) -> tuple[float, float]:
        raw = client.hmget(self._key, "max", "rate")
        maximum = float(raw[0]) if raw[0] is not None else DEFAULT_MAXIMUM
        rate = float(raw[1]) if raw[1] is not None else DEFAULT_RESTORE_RATE
        return maximum, rate

    def snapshot(self) -> dict[str, float]:
        """The stored state (for the dashboard, the bench and tests)."""
        client = get_redis()
        if client is None:
            return dict(_local.state.get(self._key, {}))
        raw = client.hgetall(self._key)
        return {_text(k): float(v) for k, v in raw.items()}


class _LocalBuckets:
    """The same arithmetic for the single-process demo mode."""

    def __init__(self) -> None:
        self.state: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, cost: float, now: float) -> float:
        with self._lock:
            s = self.state.setdefault(key, _fresh_state())
            s.setdefault("ts", now)
            current = min(s["max"], s["available"] + max(0.0, now - s["ts"]) * s["rate"])
            need = min(cost, s["max"])
            s["ts"] = now
            if current >= need:
                s["available"] = current - need
                return 0.0
            s["available"] = current
            return (need - current) / s["rate"]

    def settle(
        self, key: str, refund: float, now: float, maximum: float, rate: float, reported: float
    ) -> None:
        with self._lock:
            s = self.state.setdefault(key, _fresh_state())
            if maximum > 0:
                s["max"], s["rate"] = maximum, rate
            elapsed = max(0.0, now - s.get("ts", now))
            current = min(s["max"], s["available"] + elapsed * s["rate"] + refund)
            if 0 <= reported < current:
                current = reported
            s["available"], s["ts"] = current, now


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _fresh_state() -> dict[str, float]:
    return {"max": DEFAULT_MAXIMUM, "available": DEFAULT_MAXIMUM, "rate": DEFAULT_RESTORE_RATE}


_local = _LocalBuckets()


class CostMemory:
    """The last requestedQueryCost Shopify reported per operation shape (shared, in Redis)."""

    _KEY = "shopify:requested-cost"

    def estimate(self, shape: str, default: float) -> float:
        client = get_redis()
        if client is None:
            return _local_costs.get(shape, default)
        raw = client.hget(self._KEY, shape)
        return float(raw) if raw is not None else default

    def remember(self, shape: str, requested: float) -> None:
        if requested <= 0:
            return
        client = get_redis()
        if client is None:
            _local_costs[shape] = requested
            return
        client.hset(self._KEY, shape, requested)


_local_costs: dict[str, float] = {}
