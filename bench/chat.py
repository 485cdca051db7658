"""Storefront chat: full turns through the HTTP API with the agent on a real Celery worker.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/chat.py

Serves the app with gunicorn (config/gunicorn.conf.py) and runs a Celery worker (prefork),
both on a freshly migrated database (`<DATABASE_URL name>_bench_chat`) holding the seeded
demo store. CONVERSATIONS shoppers then chat at the same time through /api/chat with the
demo store's widget key, each from its own address (X-Forwarded-For through one trusted
proxy hop, so the real per-address rate limits apply). A shopper runs ROUNDS conversations
of three turns ("where is my order", "#<n> <email>", "thanks"): think (read, type), POST
the message, then poll GET .../messages?after=<id> every POLL_MS until the agent's reply
is visible. BENCH_THINK_MS=0 turns it into a saturation test (all 20 back to back).

Prints p50/p95 of the server's own time per request (its Server-Timing header) and of
POST-to-reply-visible, plus the widget's gzipped size. Exits 1 on any error or missed target.
Targets: server-side p95 < 100 ms, POST-to-visible p95 < 500 ms, widget < 30 KB gzipped.
Knobs (env): BENCH_CONVERSATIONS (20), BENCH_ROUNDS (3), BENCH_POLL_MS (50), BENCH_THINK_MS (1000),
WEB_CONCURRENCY (2), GUNICORN_THREADS (4), BENCH_WORKER_CONCURRENCY (2).
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
CELERY = PYTHON.with_name("celery")
WIDGET = [ROOT / "static" / "widget" / name for name in ("aftersale-chat.js", "aftersale-chat.css")]

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
POLL_SECONDS = int(os.environ.get("BENCH_POLL_MS", "50")) / 1000
# A person reads the reply and types the next message: 0.5x-1.5x this between turns.
THINK_SECONDS = int(os.environ.get("BENCH_THINK_MS", "1000")) / 1000
REPLY_TIMEOUT = 20.0
TARGET_SERVER_P95_MS, TARGET_VISIBLE_P95_MS, TARGET_WIDGET_BYTES = 100.0, 500.0, 30 * 1024
# Demo customers (docs: DEMO_DATA.md); each shopper asks about one of their orders.
CUSTOMERS = [
    ("1001", "jane@example.com"),
    ("1005", "sam@example.com"),
    ("1008", "priya@example.com"),
    ("1011", "alex@example.com"),
]


# ---------------------------------------------------------------- environment


def bench_env() -> dict[str, str]:
    from cryptography.fernet import Fernet

    database = urlsplit(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/')}_bench_chat"
    return {
        **os.environ,
        "DATABASE_URL": urlunsplit(database._replace(path=f"/{name}")),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        "GUNICORN_MAX_REQUESTS": "0",
        "DATABASE_CONN_MAX_AGE": "600",
        # The bench client stands in for a load balancer that appends the shopper's address.
        "CHAT_TRUSTED_PROXY_HOPS": "1",
    }


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> str:
    """A fresh database with the demo store; returns its widget key."""
    recreate_database(env["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from apps.core.redis import get_redis
    from apps.integrations.commerce.demo import seed_demo_store

    redis = get_redis()
    redis.delete("celery", "chat")
    for key in redis.scan_iter("rl:chat:*"):
        redis.delete(key)
    return seed_demo_store().widget_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not come up")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    concurrency = os.environ.get("BENCH_WORKER_CONCURRENCY", "2")
    command = [
        str(CELERY), "-A", "config", "worker", "--pool=prefork", f"--concurrency={concurrency}",
        "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", "chat", "-n", f"bench-chat-{secrets.token_hex(3)}@%h",
    ]  # fmt: skip
    with log.open("wb") as handle:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return worker
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    stop(worker)
    raise SystemExit(f"the Celery worker did not come up:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, with its children (its own session), and nothing else."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# ---------------------------------------------------------------- load


@dataclass
class Results:
    server_ms: dict[str, list[float]] = field(default_factory=lambda: {"post": [], "poll": []})
    visible_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_server(self, kind: str, timing: str) -> None:
        if timing.startswith("app;dur="):
            with self.lock:
                self.server_ms[kind].append(float(timing.removeprefix("app;dur=")))


class Shopper:
    """One browser's worth of traffic: its own keep-alive connection and its own address.

    http.client rather than a richer client: twenty of these share two cores with the
    server and the worker, so the load generator must cost as little CPU as possible.
    """

    def __init__(self, port: int, key: str, address: str, results: Results, seed: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"X-Forwarded-For": address, "Content-Type": "application/json"}
        self.key = key
        self.results = results
        self.random = random.Random(seed)

    def request(self, method: str, path: str, body: object = None) -> tuple[int, Any, str]:
        payload = json.dumps(body) if body is not None else None
        self.http.request(method, f"/api/chat{path}", body=payload, headers=self.headers)
        response = self.http.getresponse()
        data = json.loads(response.read() or b"null")
        return response.status, data, response.getheader("Server-Timing") or ""

    def think(self) -> None:
        time.sleep(THINK_SECONDS * self.random.uniform(0.5, 1.5))

    def conversation(self, order: str, email: str, *, record: bool = True) -> None:
        status, body, _ = self.request("POST", f"/conversations?key={self.key}", {})
        if status != 201:
            raise RuntimeError(f"start {status}: {body}")
        path = f"/conversations/{body['conversation']['id']}/messages"
        query = f"key={self.key}&token={body['token']}"
        for text in ("where is my order", f"#{order} {email}", "thanks"):
            self.think()
            self.turn(path, query, text, record=record)

    def turn(self, path: str, query: str, text: str, *, record: bool) -> None:
        began = time.perf_counter()
        status, body, timing = self.request("POST", f"{path}?{query}", {"text": text})
        if status != 201:
            raise RuntimeError(f"POST {status}: {body}")
        if record:
            self.results.add_server("post", timing)
        after = body["message"]["id"]
        deadline = began + REPLY_TIMEOUT
        while time.perf_counter() < deadline:
            time.sleep(POLL_SECONDS)
            status, body, timing = self.request("GET", f"{path}?{query}&after={after}")
            if status != 200:
                raise RuntimeError(f"GET {status}: {body}")
            if record:
                self.results.add_server("poll", timing)
            if any(m["role"] == "assistant" for m in body["messages"]):
                if record:
                    with self.results.lock:
                        self.results.visible_ms.append((time.perf_counter() - began) * 1000)
                return
        raise RuntimeError(f"no reply to {text!r} within {REPLY_TIMEOUT:.0f} s")


def run_shopper(
    index: int, port: int, key: str, results: Results, barrier: threading.Barrier
) -> None:
    # IPv6 documentation prefix: one /64 (one rate-limit subject) per shopper.
    shopper = Shopper(port, key, f"2001:db8:{index:x}::1", results, seed=index)
    order, email = CUSTOMERS[index % len(CUSTOMERS)]
    try:
        barrier.wait()
        for _ in range(ROUNDS):
            shopper.conversation(order, email)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
        with results.lock:
            results.errors.append(f"shopper {index}: {exc}")
    finally:
        shopper.http.close()


def warm_up(port: int, key: str) -> None:
    """Load code in every gunicorn and worker process before anything is measured."""
    results = Results()
    shoppers = [Shopper(port, key, f"2001:db8:ffff:{i:x}::1", results, seed=i) for i in range(4)]
    threads = [
        threading.Thread(target=s.conversation, args=CUSTOMERS[i], kwargs={"record": False})
        for i, s in enumerate(shoppers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for shopper in shoppers:
        shopper.http.close()


# ---------------------------------------------------------------- report


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def widget_bytes() -> tuple[int, int]:
    raw = sum(p.stat().st_size for p in WIDGET)
    return raw, sum(len(gzip.compress(p.read_bytes(), 9)) for p in WIDGET)


def report(results: Results, elapsed: float) -> bool:
    every = results.server_ms["post"] + results.server_ms["poll"]
    turns = len(results.visible_ms)
    raw, gzipped = widget_bytes()
    print(
        f"chat benchmark: {CONVERSATIONS} concurrent shoppers x {ROUNDS} conversations x 3 turns"
        f" = {turns} turns in {elapsed:.1f} s ({len(every)} API requests; think time "
        f"{THINK_SECONDS * 1000:.0f} ms +/-50%, poll every {POLL_SECONDS * 1000:.0f} ms)"
    )
    for label, values in (
        ("server-side, all requests", every),
        ("server-side, POST message", results.server_ms["post"]),
        ("server-side, GET poll", results.server_ms["poll"]),
        ("POST to reply visible", results.visible_ms),
    ):
        if values:
            print(
                f"  {label:<28} p50 {percentile(values, 50):7.1f} ms   "
                f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms"
            )
    print(f"  widget: {raw / 1024:.1f} KB raw, {gzipped / 1024:.1f} KB gzipped (JS + CSS)")
    for error in results.errors[:10]:
        print(f"  ERROR {error}")
    checks = {
        "no errors": not results.errors,
        f"every turn answered ({CONVERSATIONS * ROUNDS * 3})": turns == CONVERSATIONS * ROUNDS * 3,
        f"server-side p95 < {TARGET_SERVER_P95_MS:.0f} ms": bool(every)
        and percentile(every, 95) < TARGET_SERVER_P95_MS,
        f"POST-to-visible p95 < {TARGET_VISIBLE_P95_MS:.0f} ms": bool(results.visible_ms)
        and percentile(results.visible_ms, 95) < TARGET_VISIBLE_P95_MS,
        "widget < 30 KB gzipped": gzipped < TARGET_WIDGET_BYTES,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'} {name}")
    return all(checks.values())


def main() -> int:
    env = bench_env()
    key = prepare(env)
    port = free_port()
    log = Path(env.get("TMPDIR", "/tmp")) / f"bench-chat-worker-{port}.log"
    worker = start_worker(env, log)
    server = None
    ok = False
    try:
        server = start_server(env, port)
        warm_up(port, key)
        results = Results()
        barrier = threading.Barrier(CONVERSATIONS)
        threads = [
            threading.Thread(target=run_shopper, args=(i, port, key, results, barrier))
            for i in range(CONVERSATIONS)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ok = report(results, time.perf_counter() - began)
    finally:
        if server is not None:
            stop(server)
        stop(worker)
        from apps.core.redis import get_redis

        get_redis().delete("celery", "chat")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
