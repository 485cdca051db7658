"""Cross-process locks: Redis when configured, a process lock in demo mode."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis.exceptions

from apps.core.redis import get_redis

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


class LockTimeout(Exception):
    """Another holder kept the lock longer than we were willing to wait."""


@contextmanager
def named_lock(name: str, *, timeout: float = 30.0, wait: float = 10.0) -> Iterator[None]:
    """Hold `name` across every process sharing the Redis; raise LockTimeout after `wait` s.

    `timeout` bounds how long a crashed holder can block others.
    """
    client = get_redis()
    if client is None:
        with _local_lock(name, wait):
            yield
        return
    lock = client.lock(f"lock:{name}", timeout=timeout, blocking_timeout=wait)
    if not lock.acquire():
        raise LockTimeout(name)
    try:
        yield
    finally:
        # An expired lock was already released by Redis; nothing left to do.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()


@contextmanager
def _local_lock(name: str, wait: float) -> Iterator[None]:
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    deadline = time.monotonic() + wait
    if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise LockTimeout(name)
    try:
        yield
    finally:
        lock.release()
