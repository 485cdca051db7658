"""Hand committed row ids from a web request to a background thread that publishes them.

Building and publishing a Celery message costs the request thread about as much CPU as a
small request itself, so a request that only needs "run this later" hands the id to a
per-process relay thread instead: it collects ids for a few milliseconds and calls the
publish function once per batch. An id lost with the process (killed before the relay
published it) or with the broker must be re-sent by the caller's sweep: only hand over
ids of rows that are already durable.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class IdRelay:
    """One publishing thread per process, started on first use; `publish(ids, key)` runs
    there, once per batch of ids submitted under the same key (a queue name, say).

    Submitting is an append under a lock; only the first id of a batch wakes the thread,
    which then waits `linger` seconds for more before it publishes them together.
    """

    def __init__(
        self, name: str, publish: Callable[[list[int], str], None], *, linger: float = 0.05,
        max_batch: int = 500,
    ) -> None:  # fmt: skip
        self.name = name
        self.publish = publish
        self.linger = linger
        self.max_batch = max_batch
        self.reset()
        os.register_at_fork(after_in_child=self.reset)
        # A graceful shutdown publishes what is still queued.
        atexit.register(self.flush, 5.0)

    def reset(self) -> None:
        """Fresh state: also what a forked child gets (its parent's locks, not its thread)."""
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._pending: dict[str, list[int]] = {}
        self._work = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def submit(self, row_id: int, key: str = "") -> None:
        self._ensure_running()
        with self._lock:
            first = not self._pending
            self._pending.setdefault(key, []).append(row_id)
            if first:
                self._idle.clear()
        if first:
            self._work.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted id was published (or failed to); True if so."""
        return self._idle.wait(timeout)

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _take(self) -> dict[str, list[int]]:
        self._work.wait()
        time.sleep(self.linger)
        with self._lock:
            batches, self._pending = self._pending, {}
            self._work.clear()
        return batches

    def _run(self) -> None:
        while True:
            for key, batch in self._take().items():
                for start in range(0, len(batch), self.max_batch):
                    chunk = batch[start : start + self.max_batch]
                    try:
                        self.publish(chunk, key)
                    except Exception:  # never let the relay die; the caller's sweep covers them
                        logger.exception("%s failed to publish %s id(s)", self.name, len(chunk))
            with self._lock:
                if not self._pending:
                    self._idle.set()
