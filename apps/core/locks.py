"""Cross-process locks: Redis when configured, a process lock in demo mode."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis.exceptions
from redis.lock import Lock

from apps.core.redis import get_redis

logger = logging.getLogger(__name__)

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


class LockTimeout(Exception):
    """Another holder kept the lock longer than we were willing to wait."""


@contextmanager
def named_lock(
    name: str, *, timeout: float = 30.0, wait: float = 10.0, renew: bool = False
) -> Iterator[None]:
    """Hold `name` across every process sharing the Redis; raise LockTimeout after `wait` s.

    `timeout` is the lease: how long a crashed holder can block others. With `renew`, a
    short lease is extended every third of it while the block runs, so long work keeps
    its lock and a holder that dies (killed worker, lost machine) frees it within one
    lease instead of a worst-case duration.
    """
    client = get_redis()
    if client is None:
        with _local_lock(name, wait):
            yield
        return
    # Not thread-local: the renewing thread must see the token this thread acquired with.
    lock = client.lock(f"lock:{name}", timeout=timeout, blocking_timeout=wait, thread_local=False)
    if not lock.acquire():
        raise LockTimeout(name)
    renewer = _Renewer(lock, name, timeout) if renew else None
    try:
        yield
    finally:
        if renewer is not None:
            renewer.stop()
        # An expired lock was already released by Redis; nothing left to do.
        with contextlib.suppress(redis.exceptions.LockError, redis.exceptions.RedisError):
            lock.release()


class _Renewer:
    """Extends a held lock to a full lease every third of the lease, until stopped."""

    def __init__(self, lock: Lock, name: str, lease: float) -> None:
        self._lock = lock
        self._name = name
        self._interval = lease / 3
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._lock.reacquire()
            except redis.exceptions.LockError:
                logger.warning("lock %s expired while held; another holder may run", self._name)
                return
            except redis.exceptions.RedisError:
                continue  # Redis hiccup: try again next interval, while the lease lasts

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


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
