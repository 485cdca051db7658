"""A real Celery worker process for end-to-end tests.

    @pytest.mark.worker
    def test_something_end_to_end(celery_worker_process, client):
        client.post(...)                                   # enqueues a task on commit
        celery_worker_process.wait_until(
            lambda: Order.objects.filter(store=store).exists(), what="the order snapshot"
        )

What the `celery_worker_process` fixture gives you:
- `.venv/bin/celery -A config worker --pool=solo` started in a subprocess, connected to the
  pytest-django *test* database (DATABASE_URL built from the live connection, so it is the
  `test_...` database, xdist suffix included) and to the test Redis (REDIS_URL), with
  TESTING=1 so secrets and encryption keys match this process's defaults;
- it requests `transactional_db`: what the test writes is committed and visible to the
  worker, and `transaction.on_commit` callbacks (task enqueues) fire immediately;
- the fixture returns once the worker logged "ready", and stops it (warm shutdown, then
  kill) before the database is flushed;
- `.wait_until(condition)` polls a condition (evaluated in the test process) and fails
  with the worker's log attached; `.log()` returns the log so far;
- `.kill()` SIGKILLs it (a crash: no cleanup, no ack) and `.restart()` starts a fresh
  worker on the same database and broker.

Limits to know:
- settings overridden in the test process (`settings` fixture, override_settings) do not
  reach the worker; pass what it needs through `extra_env` via the
  `celery_worker_env` fixture (override it in your test module).
- the worker has no network sandbox of its own; HTTP(S) proxies pointing at a closed port
  make any httpx/requests call it attempts fail fast, loopback excepted.
- solo pool: tasks run one at a time in the worker's main process, and Celery's time
  limits are not enforced there (prefork enforces them in production).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")
READY_TIMEOUT = 60.0


def live_database_url() -> str:
    """The URL of the database this test process is using right now (the test DB)."""
    params = connection.settings_dict
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(params['NAME'], safe='')}"


@dataclass
class CeleryWorker:
    process: subprocess.Popen[bytes]
    log_path: Path
    hostname: str
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(
        self,
        condition: Callable[[], bool],
        *,
        timeout: float = 30.0,
        interval: float = 0.1,
        what: str = "the condition",
    ) -> None:
        """Poll `condition` until it holds; fail with the worker's log tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()[-4000:]}")
            time.sleep(interval)
        pytest.fail(
            f"timed out after {timeout}s waiting for {what}; worker log:\n{self.log()[-4000:]}"
        )

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no cleanup, no ack."""
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop this process (if still running) and start a fresh one, waiting until ready."""
        since = len(self.log())
        self.stop()
        self.process = _start(self.env, self.log_path, self.hostname).process
        _wait_ready(self, since=since)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: finish the task
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _start(env: dict[str, str], log_path: Path, hostname: str = "") -> CeleryWorker:
    hostname = hostname or f"pytest-{uuid.uuid4().hex[:8]}@%h"
    command = [
        str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency=1",
        "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", "celery,chat", "-n", hostname,
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return CeleryWorker(process=process, log_path=log_path, hostname=hostname, env=env)


def _wait_ready(worker: CeleryWorker, since: int = 0) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if " ready." in worker.log()[since:]:
            return
        if worker.process.poll() is not None:
            break
        time.sleep(0.1)
    worker.stop()
    pytest.fail(f"the Celery worker did not become ready:\n{worker.log()[-4000:]}")


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the worker; override this fixture to add settings."""
    return {}


@pytest.fixture
def celery_worker_process(
    transactional_db: Any, tmp_path: Path, celery_worker_env: dict[str, str]
) -> Iterator[CeleryWorker]:
    """A running Celery worker on the test database and test Redis (see module docstring)."""
    if not settings.REDIS_URL:
        pytest.skip("a real worker needs REDIS_URL (the broker)")
    closed_port = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": live_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "TESTING": "1",
        "PYTHONUNBUFFERED": "1",
        "HTTP_PROXY": closed_port,
        "HTTPS_PROXY": closed_port,
        "ALL_PROXY": closed_port,
        "NO_PROXY": "127.0.0.1,localhost",
        **celery_worker_env,
    }
    worker = _start(env, tmp_path / "celery-worker.log")
    try:
        _wait_ready(worker)
        yield worker
    finally:
        worker.stop()
