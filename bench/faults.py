"""Fault injection on the real stack: what survives a killed worker, Redis or PostgreSQL down.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/faults.py

Everything runs on servers of the benchmark's own, on free ports, so nothing else is touched:
a throwaway PostgreSQL cluster (initdb + pg_ctl, as the `postgres` user when run as root;
DATABASE_URL only says which binaries' host to mimic and is not written to), a Redis with
append-only persistence, gunicorn (config/gunicorn.conf.py), a Celery worker for the default
queue, one for the chat queue, and beat with short sweep intervals. Webhooks are signed
`orders/create` deliveries with distinct event ids, sent the way Shopify does: a non-2xx
answer is redelivered with the same event id. Shoppers chat through /api/chat with the demo
store's widget key the way the widget does: each message carries a client_message_id and a
failed POST is retried with the same id.

Scenarios, in order (each ends by waiting until everything acknowledged has settled), after
a warm-up (each worker process trains the classifier on its first turn):

1. quiet: chat alone; POST-to-reply-visible p50/p95.
2. burst: the same chat load plus webhooks at BENCH_BURST_FACTOR (10) times the chat rate,
   with the default worker paused for BENCH_BACKLOG_SECONDS (20) so a backlog older than
   the sweep's grace builds up. Chat p95 must stay within 20% of the quiet run (chat has a
   queue and worker of its own); the sweep's no-op tasks (tasks that found their event
   already claimed or done, read from the worker's log) must stay under 5% of real ones.
3. worker-kill: SIGKILL both workers under load, restart them after 3 s.
4. broker-down: stop Redis under load for 8 s (chat and webhooks must still answer 2xx,
   /healthz 503), then start it again.
5. postgres-down: stop PostgreSQL under load for 8 s (webhooks and chat must answer non-2xx,
   never 2xx, /healthz 503), then start it again.
6. sigterm: SIGTERM gunicorn and both workers under load (graceful: in-flight requests
   answered, in-flight tasks finished or redelivered), then start them again.
7. soak: BENCH_SOAK_SECONDS (60; the issue's 5 minutes is BENCH_SOAK_SECONDS=300) of mixed
   load; RSS of every server process and PostgreSQL connections sampled every 5 s must be
   flat (last third within 25% and 40 MB of the first third).

Counted after every scenario, all targets 0: acknowledged webhooks lost, webhooks answered
2xx without a stored row, webhooks processed twice (completed handler runs in the worker log
beyond the processed events), customer messages stored twice, acknowledged messages left
unanswered, messages answered twice. Exit 1 when any target is missed.
Knobs (env): BENCH_SHOPPERS (6), BENCH_THINK_MS (400), BENCH_PHASE_SECONDS (20),
BENCH_BURST_FACTOR (10), BENCH_BACKLOG_SECONDS (20), BENCH_SOAK_SECONDS (60), BENCH_KEEP (keep
the temporary directory with every server's log).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
CELERY = PYTHON.with_name("celery")
FIXTURE = ROOT / "tests" / "webhooks" / "fixtures" / "orders_create.json"
SHOP = "bench-faults.myshopify.com"
SECRET = secrets.token_hex(16)

SHOPPERS = int(os.environ.get("BENCH_SHOPPERS", "6"))
THINK = int(os.environ.get("BENCH_THINK_MS", "400")) / 1000
PHASE = float(os.environ.get("BENCH_PHASE_SECONDS", "20"))
BURST_FACTOR = float(os.environ.get("BENCH_BURST_FACTOR", "10"))
BACKLOG_SECONDS = float(os.environ.get("BENCH_BACKLOG_SECONDS", "20"))
SOAK = float(os.environ.get("BENCH_SOAK_SECONDS", "60"))
OUTAGE = 8.0
SETTLE_TIMEOUT = 150.0
CUSTOMERS = [("1001", "jane@example.com"), ("1005", "sam@example.com"),
             ("1008", "priya@example.com"), ("1011", "alex@example.com")]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else float("nan")


# ---------------------------------------------------------------- the stack


class Postgres:
    """A throwaway cluster: initdb into a temporary directory, pg_ctl start/stop."""

    def __init__(self, base: Path) -> None:
        self.bin = self._bin_dir()
        self.data = base / "pgdata"
        self.port = free_port()
        self.log = base / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        self.data.mkdir()
        if self.as_postgres:  # initdb refuses to run as root
            shutil.chown(base, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    @staticmethod
    def _bin_dir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if found:
            return found[-1].parent
        which = shutil.which("pg_ctl")
        if which is None:
            raise SystemExit("faults bench needs PostgreSQL's initdb/pg_ctl")
        return Path(which).parent

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/aftersale_faults"

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


class Redis:
    """A Redis of our own with append-only persistence, so a stop/start keeps the queue."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.dir = base / "redis"
        self.dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--dir", str(self.dir), "--appendonly", "yes", "--save", ""]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not come up")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
        self.process.wait(10)


@dataclass
class Processes:
    env: dict[str, str]
    base: Path
    port: int = field(default_factory=free_port)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # What a process manager (docker's restart policy, systemd, a PaaS) does: a server that
    # exits on its own is started again. Names we stop on purpose are left alone.
    restarts: dict[str, int] = field(default_factory=dict)
    stopping: set[str] = field(default_factory=set)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def supervise(self) -> None:
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        starters = {"web": self.start_web, "beat": self.start_beat,
                    "worker": lambda: self.start_workers(("worker",)),
                    "chat": lambda: self.start_workers(("chat",))}  # fmt: skip
        while True:
            time.sleep(1)
            with self.guard:
                exited = [n for n, p in self.running.items()
                          if p.poll() is not None and n not in self.stopping]  # fmt: skip
                for name in exited:
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    print(f"  supervisor: {name} exited ({self.running[name].returncode}); "
                          "starting it again")  # fmt: skip
                    starters[name]()

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.base / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_web(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self._spawn("web", [str(GUNICORN), "config.wsgi", "-c", "config/gunicorn.conf.py"], env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not come up")

    def start_workers(self, names: tuple[str, ...] = ("worker", "chat")) -> None:
        for name, queue, concurrency in (("worker", "celery", "2"), ("chat", "chat", "2")):
            if name not in names:
                continue
            self._spawn(name, [
                str(CELERY), "-A", "config", "worker", "-Q", queue,
                "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
                f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip",
                "--without-mingle", "--without-heartbeat",
            ])  # fmt: skip

    def start_beat(self) -> None:
        schedule = self.base / "celerybeat-schedule"
        self._spawn("beat", [str(CELERY), "-A", "config", "beat", "--loglevel=INFO",
                             f"--schedule={schedule}"])  # fmt: skip

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def signal(self, name: str, sig: int) -> None:
        """SIGKILL/SIGSTOP/SIGCONT hit the whole process group (a crash, a frozen host);
        SIGTERM only the main process, as a process manager sends it."""
        process = self.running[name]
        if process.poll() is not None:
            return
        if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCONT):
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)

    def wait(self, name: str, timeout: float = 40) -> None:
        try:
            self.running[name].wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(name, signal.SIGKILL)
            self.running[name].wait(10)

    def stop_all(self) -> None:
        self.stopping.update(self.running)
        for name in list(self.running):
            self.signal(name, signal.SIGTERM)
        for name in list(self.running):
            self.wait(name, 30)

    def pids(self) -> list[int]:
        found = []
        for process in self.running.values():
            if process.poll() is None:
                found.append(process.pid)
                found.extend(_children(process.pid))
        return found

    def log(self, name: str) -> str:
        path = self.base / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


# ---------------------------------------------------------------- the load


@dataclass
class Ledger:
    """What the clients were told: the ground truth the database is checked against."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    webhooks_acked: set[str] = field(default_factory=set)
    webhook_answers: dict[int, int] = field(default_factory=dict)
    messages_acked: set[str] = field(default_factory=set)
    chat_answers: dict[int, int] = field(default_factory=dict)
    visible_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, bucket: dict[int, int], status: int) -> None:
        with self.lock:
            bucket[status] = bucket.get(status, 0) + 1


class Load:
    """Shoppers and a webhook sender, each a thread, until stopped."""

    def __init__(self, base_url: str, widget_key: str, ledger: Ledger) -> None:
        self.base_url = base_url
        self.widget_key = widget_key
        self.ledger = ledger
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.webhook_rate = 0.0

    def start(self, *, shoppers: int, webhook_rate: float) -> None:
        self.stopping.clear()
        self.webhook_rate = webhook_rate
        self.threads = [threading.Thread(target=self._shopper, args=(n,)) for n in range(shoppers)]
        if webhook_rate > 0:
            senders = max(1, int(webhook_rate // 40) + 1)
            self.threads += [threading.Thread(target=self._webhooks, args=(webhook_rate / senders,))
                             for _ in range(senders)]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)

    # -- chat, as the widget does it
    def _shopper(self, n: int) -> None:
        number, email = CUSTOMERS[n % len(CUSTOMERS)]
        address = f"2001:db8:{n:x}::1"
        with httpx.Client(base_url=self.base_url, timeout=10,
                          headers={"X-Forwarded-For": address}) as client:  # fmt: skip
            conversation = None
            while not self.stopping.is_set():
                if conversation is None:
                    conversation = self._start(client)
                    if conversation is None:
                        time.sleep(1)
                        continue
                for text in ("where is my order", f"#{number} {email}", "thanks"):
                    if self.stopping.is_set():
                        return
                    self._say(client, conversation, text)
                    time.sleep(THINK * (0.5 + secrets.randbelow(100) / 100))
                conversation = None

    def _start(self, client: httpx.Client) -> tuple[int, str] | None:
        try:
            answer = client.post(f"/api/chat/conversations?key={self.widget_key}", json={})
        except httpx.HTTPError:
            return None
        if answer.status_code != 201:
            return None
        body = answer.json()
        return body["conversation"]["id"], body["token"]

    def _say(self, client: httpx.Client, conversation: tuple[int, str], text: str) -> None:
        """POST with a client_message_id, retrying the same id until acknowledged (the
        widget's "try again"), then poll until the reply is visible."""
        conversation_id, token = conversation
        path = f"/api/chat/conversations/{conversation_id}/messages"
        query = {"key": self.widget_key, "token": token}
        client_id = str(uuid.uuid4())
        began = time.perf_counter()
        message_id = None
        deadline = time.monotonic() + 90
        while message_id is None and time.monotonic() < deadline:
            try:
                body = {"text": text, "client_message_id": client_id}
                answer = client.post(path, params=query, json=body)
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            self.ledger.count(self.ledger.chat_answers, status)
            if status in (200, 201):
                message_id = answer.json()["message"]["id"]
                with self.ledger.lock:
                    self.ledger.messages_acked.add(client_id)
            else:
                time.sleep(1.0)
        if message_id is None:
            return
        while time.monotonic() < deadline:
            try:
                polled = client.get(path, params={**query, "after": str(message_id)})
                if polled.status_code == 200 and any(
                    m["role"] == "assistant" for m in polled.json()["messages"]
                ):
                    with self.ledger.lock:
                        self.ledger.visible_ms.append((time.perf_counter() - began) * 1000)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    # -- webhooks, as Shopify sends them
    def _webhooks(self, rate: float) -> None:
        from apps.shopify_app.security import sign_webhook

        base = json.loads(FIXTURE.read_text())
        interval = 1.0 / rate
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            next_at = time.monotonic()
            while not self.stopping.is_set():
                event_id = str(uuid.uuid4())
                number = int(hashlib.sha256(event_id.encode()).hexdigest()[:7], 16)
                order = {**base, "id": 10**9 + number, "order_number": number,
                         "name": f"#{number}"}  # fmt: skip
                body = json.dumps(order).encode()
                headers = {
                    "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Api-Version": "2026-10",
                    "X-Shopify-Webhook-Id": event_id, "X-Shopify-Event-Id": event_id,
                    "X-Shopify-Hmac-Sha256": sign_webhook(body, SECRET),
                }  # fmt: skip
                self._deliver(client, body, headers, event_id)
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    def _deliver(
        self, client: httpx.Client, body: bytes, headers: dict[str, str], event_id: str
    ) -> None:
        for _attempt in range(60):  # Shopify redelivers a non-2xx answer
            try:
                status = client.post("/webhooks/shopify", content=body, headers=headers).status_code
            except httpx.HTTPError:
                status = 0
            self.ledger.count(self.ledger.webhook_answers, status)
            if 200 <= status < 300:
                with self.ledger.lock:
                    self.ledger.webhooks_acked.add(event_id)
                return
            time.sleep(1.0)


# ---------------------------------------------------------------- checks


def healthz(base_url: str) -> int:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def settled(ledger: Ledger) -> tuple[bool, dict[str, int]]:
    """Counts over everything acknowledged so far; True once nothing is still in flight."""
    from django.db import connection

    from apps.conversations.models import Message, MessageRole
    from apps.webhooks.models import WebhookEvent, WebhookStatus

    connection.close()  # PostgreSQL may have restarted since the last look
    with ledger.lock:
        acked_events, acked_messages = set(ledger.webhooks_acked), set(ledger.messages_acked)
    rows = dict(WebhookEvent.objects.filter(shop_domain=SHOP).values_list("event_id", "status"))
    customer = list(
        Message.objects.filter(role=MessageRole.CUSTOMER).values_list(
            "pk", "client_message_id", "handled_at"
        )
    )
    by_client: dict[str, int] = {}
    for _pk, client_id, _handled in customer:
        by_client[client_id] = by_client.get(client_id, 0) + 1
    handled = {client_id for _pk, client_id, at in customer if at is not None}
    replies = (
        Message.objects.filter(role=MessageRole.ASSISTANT)
        .exclude(metadata__kind="approval")
        .count()
    )
    counts = {
        "webhooks_acked": len(acked_events),
        "webhooks_without_row": len([e for e in acked_events if e not in rows]),
        "webhooks_unprocessed": len(
            [e for e in acked_events if rows.get(e) != WebhookStatus.PROCESSED]
        ),
        "messages_acked": len(acked_messages),
        "messages_stored_twice": sum(n - 1 for n in by_client.values()),
        "messages_unanswered": len(acked_messages - handled),
        "messages_answered_twice": max(0, replies - len(customer)),
    }
    done = counts["webhooks_unprocessed"] == 0 and counts["messages_unanswered"] == 0
    return done, counts


def worker_results(log: str) -> dict[str, int]:
    """Completed process_webhook_event runs by result, from the worker's INFO log."""
    found: dict[str, int] = {}
    pattern = r"process_webhook_event\[[^\]]+\] succeeded in [0-9.e-]+s: '(\w+)'"
    for result in re.findall(pattern, log):
        found[result] = found.get(result, 0) + 1
    return found


# ---------------------------------------------------------------- scenarios


@dataclass
class Bench:
    procs: Processes
    postgres: Postgres
    redis: Redis
    widget_key: str
    ledger: Ledger = field(default_factory=Ledger)
    problems: list[str] = field(default_factory=list)
    chat_rate: float = 1.0

    def run(self, name: str, fault: Callable[[Load], None], *, webhook_rate: float) -> None:
        print(f"\n== {name}")
        load = Load(self.procs.base_url, self.widget_key, self.ledger)
        load.start(shoppers=SHOPPERS, webhook_rate=webhook_rate)
        try:
            fault(load)
        finally:
            load.stop()
        self.check(name)

    def check(self, name: str) -> None:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            done, counts = settled(self.ledger)
            if done or time.monotonic() > deadline:
                break
            time.sleep(2)
        processed_runs = worker_results(self.procs.log("worker")).get("processed", 0)
        processed = counts["webhooks_acked"] - counts["webhooks_unprocessed"]
        counts["webhooks_processed_twice"] = max(0, processed_runs - processed)
        print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for key in (
            "webhooks_without_row",
            "webhooks_unprocessed",
            "messages_stored_twice",
            "messages_unanswered",
            "messages_answered_twice",
            "webhooks_processed_twice",
        ):
            if counts[key]:
                self.problems.append(f"{name}: {key} {counts[key]}")  # fmt: skip

    def warm_up(self) -> None:
        """Each worker process trains the classifier on its first turn (about a second, far
        more with the CPU shared): not what a customer meets in a running service."""
        load = Load(self.procs.base_url, self.widget_key, self.ledger)
        load.start(shoppers=SHOPPERS, webhook_rate=1)
        time.sleep(PHASE / 2)
        load.stop()
        self.check("warm-up")

    def quiet(self) -> list[float]:
        before = len(self.ledger.visible_ms)
        self.run("quiet: chat alone", lambda load: time.sleep(PHASE), webhook_rate=0)
        samples = self.ledger.visible_ms[before:]
        self.chat_rate = max(0.5, len(samples) / PHASE)
        print(f"  chat POST-to-visible p50 {statistics.median(samples):.0f} ms, "
              f"p95 {pct(samples, 0.95):.0f} ms over {len(samples)} messages "
              f"({self.chat_rate:.1f}/s)")  # fmt: skip
        return samples

    def burst(self, quiet: list[float]) -> None:
        before = len(self.ledger.visible_ms)
        log_before = worker_results(self.procs.log("worker"))

        def backlog(load: Load) -> None:
            time.sleep(2)
            self.procs.signal("worker", signal.SIGSTOP)  # the default queue backs up
            time.sleep(BACKLOG_SECONDS)
            self.procs.signal("worker", signal.SIGCONT)
            time.sleep(max(0.0, PHASE - BACKLOG_SECONDS - 2))

        rate = BURST_FACTOR * self.chat_rate
        self.run(f"burst: webhooks at {rate:.0f}/s ({BURST_FACTOR:.0f}x chat), default worker "
                 f"paused {BACKLOG_SECONDS:.0f} s", backlog, webhook_rate=rate)  # fmt: skip
        samples = self.ledger.visible_ms[before:]
        p95, quiet_p95 = pct(samples, 0.95), pct(quiet, 0.95)
        after = worker_results(self.procs.log("worker"))
        real = after.get("processed", 0) - log_before.get("processed", 0)
        noop = after.get("skipped", 0) - log_before.get("skipped", 0)
        print(f"  chat POST-to-visible p95 {p95:.0f} ms with the burst vs {quiet_p95:.0f} ms "
              f"quiet ({(p95 / quiet_p95 - 1) * 100:+.0f}%); webhook tasks: {real} real, "
              f"{noop} no-op ({noop / max(real, 1) * 100:.1f}%)")  # fmt: skip
        if p95 > quiet_p95 * 1.2 and p95 - quiet_p95 > 50:
            self.problems.append(f"burst: chat p95 {p95:.0f} ms > quiet {quiet_p95:.0f} ms + 20%")
        if noop > 0.05 * real:
            self.problems.append(f"burst: {noop} no-op sweep tasks vs {real} real (>5%)")

    def worker_kill(self) -> None:
        def kill(load: Load) -> None:
            time.sleep(PHASE / 2)
            with self.procs.guard:
                self.procs.stopping.update(("worker", "chat"))
                for name in ("worker", "chat"):
                    self.procs.signal(name, signal.SIGKILL)
            time.sleep(3)
            with self.procs.guard:
                self.procs.start_workers()
                self.procs.stopping.difference_update(("worker", "chat"))
            time.sleep(PHASE / 2)

        self.run("worker-kill: SIGKILL both workers, restart after 3 s", kill,
                 webhook_rate=2 * self.chat_rate)  # fmt: skip

    def probe_chat(self, count: int = 3) -> list[int]:
        """New shoppers writing during an outage: the status each first POST got. What was
        acknowledged must be answered once the outage is over."""
        statuses = []
        load = Load(self.procs.base_url, self.widget_key, self.ledger)
        with httpx.Client(base_url=self.procs.base_url, timeout=10) as client:
            for _ in range(count):
                conversation = load._start(client)
                if conversation is None:
                    statuses.append(0)
                    continue
                client_id = str(uuid.uuid4())
                path = f"/api/chat/conversations/{conversation[0]}/messages"
                query = {"key": self.widget_key, "token": conversation[1]}
                body = {"text": "where is my order", "client_message_id": client_id}
                try:
                    status = client.post(path, params=query, json=body).status_code
                except httpx.HTTPError:
                    status = 0
                statuses.append(status)
                if status in (200, 201):
                    with self.ledger.lock:
                        self.ledger.messages_acked.add(client_id)
        return statuses

    def broker_down(self) -> None:
        def outage(load: Load) -> None:
            time.sleep(PHASE / 2)
            self.redis.stop()
            time.sleep(1)
            during = dict(self.ledger.webhook_answers)
            chat = self.probe_chat()
            time.sleep(OUTAGE - 2)
            health = healthz(self.procs.base_url)
            webhooks = _new(self.ledger.webhook_answers, during)
            self.redis.start()
            print(f"  during the outage: /healthz {health}, new chat messages answered {chat}, "
                  f"webhooks answered {webhooks}")  # fmt: skip
            if health != 503:
                self.problems.append(f"broker-down: /healthz answered {health}, not 503")
            if any(status != 201 for status in chat):
                self.problems.append(f"broker-down: chat messages answered {chat}, not 201")
            if any(not 200 <= status < 300 for status in webhooks):
                self.problems.append(f"broker-down: webhooks answered {webhooks}")
            time.sleep(PHASE / 2)

        self.run(f"broker-down: Redis stopped {OUTAGE:.0f} s", outage,
                 webhook_rate=2 * self.chat_rate)  # fmt: skip

    def postgres_down(self) -> None:
        def outage(load: Load) -> None:
            time.sleep(PHASE / 2)
            self.postgres.stop()
            time.sleep(1)
            during = dict(self.ledger.webhook_answers)
            chat = self.probe_chat()
            time.sleep(OUTAGE - 2)
            health = healthz(self.procs.base_url)
            webhooks = _new(self.ledger.webhook_answers, during)
            self.postgres.start()
            print(f"  during the outage: /healthz {health}, new chat messages answered {chat}, "
                  f"webhooks answered {webhooks}")  # fmt: skip
            if any(200 <= status < 300 for status in chat + list(webhooks)):
                self.problems.append(f"postgres-down: 2xx while down: {chat} {webhooks}")
            if health != 503:
                self.problems.append(f"postgres-down: /healthz answered {health}, not 503")
            time.sleep(PHASE / 2)

        self.run(f"postgres-down: PostgreSQL stopped {OUTAGE:.0f} s", outage,
                 webhook_rate=2 * self.chat_rate)  # fmt: skip

    def sigterm(self) -> None:
        def graceful(load: Load) -> None:
            time.sleep(PHASE / 2)
            self.procs.stopping.update(("web", "worker", "chat"))
            for name in ("web", "worker", "chat"):
                self.procs.signal(name, signal.SIGTERM)
            for name in ("web", "worker", "chat"):
                self.procs.wait(name)
            codes = {n: self.procs.running[n].returncode for n in ("web", "worker", "chat")}
            print(f"  exit codes after SIGTERM: {codes}")
            if any(code != 0 for code in codes.values()):
                self.problems.append(f"sigterm: not a clean exit {codes}")
            with self.procs.guard:
                self.procs.start_web()
                self.procs.start_workers()
                self.procs.stopping.difference_update(("web", "worker", "chat"))
            time.sleep(PHASE / 2)

        self.run("sigterm: gunicorn and both workers stopped gracefully, restarted", graceful,
                 webhook_rate=2 * self.chat_rate)  # fmt: skip

    def soak(self) -> None:
        samples: list[tuple[float, float, int]] = []

        def sample(load: Load) -> None:
            began = time.monotonic()
            while time.monotonic() - began < SOAK:
                samples.append((time.monotonic() - began, rss_mb(self.procs.pids()),
                                _pg_connections(self.postgres)))  # fmt: skip
                time.sleep(5)

        self.run(f"soak: {SOAK:.0f} s of mixed load", sample, webhook_rate=2 * self.chat_rate)
        third = max(1, len(samples) // 3)
        first = [s for s in samples[:third]]
        last = [s for s in samples[-third:]]
        rss_first = statistics.mean(s[1] for s in first)
        rss_last = statistics.mean(s[1] for s in last)
        conn_first = max(s[2] for s in first)
        conn_last = max(s[2] for s in last)
        print(f"  RSS of all server processes {rss_first:.0f} MB -> {rss_last:.0f} MB; "
              f"PostgreSQL connections {conn_first} -> {conn_last}")  # fmt: skip
        if rss_last > rss_first * 1.25 and rss_last - rss_first > 40:
            self.problems.append(f"soak: RSS grew {rss_first:.0f} -> {rss_last:.0f} MB")
        if conn_last > conn_first + 4:
            self.problems.append(f"soak: connections grew {conn_first} -> {conn_last}")


def _new(after: dict[int, int], before: dict[int, int]) -> dict[int, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def _pg_connections(postgres: Postgres) -> int:
    import psycopg

    try:
        with psycopg.connect(postgres.url.replace("/aftersale_faults", "/postgres")) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'aftersale_faults'"
            ).fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return -1


# ---------------------------------------------------------------- main


def environment(postgres: Postgres, redis: Redis) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SHOPIFY_API_KEY": "bench-api-key",
        "SHOPIFY_API_SECRET": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "INFO",  # the workers' task results are counted from their logs
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "DATABASE_CONN_MAX_AGE": "60",
        "CHAT_TRUSTED_PROXY_HOPS": "1",
        "CHAT_RATE_LIMITS": "message_per_conversation=1000/60,message_per_address=1000/60,"
        "start_per_address=1000/60,read_per_address=100000/60",
        # Short sweeps so recovery fits in a benchmark; production keeps the defaults.
        "WEBHOOK_SWEEP_SECONDS": "5",
        "WEBHOOK_PENDING_GRACE_SECONDS": "5",
        "WEBHOOK_TASK_SOFT_TIME_LIMIT": "15",
        "WEBHOOK_TASK_TIME_LIMIT": "20",
        "AGENT_SWEEP_SECONDS": "5",
        "AGENT_UNANSWERED_GRACE_SECONDS": "15",
        "AGENT_ACTION_RECONCILE_SECONDS": "20",
    }


def prepare(env: dict[str, str]) -> str:
    import psycopg

    admin = env["DATABASE_URL"].replace("/aftersale_faults", "/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE aftersale_faults")
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    from apps.integrations.commerce.demo import seed_demo_store
    from apps.stores.services import TokenSet, store_install

    store_install(platform="shopify", domain=SHOP, tokens=TokenSet(access_token="shpat_faults"))
    return seed_demo_store().widget_key


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="aftersale-faults-"))
    os.chmod(base, 0o755)
    postgres = redis = procs = None
    try:
        postgres = Postgres(base)
        redis = Redis(base)
        env = environment(postgres, redis)
        widget_key = prepare(env)
        procs = Processes(env, base)
        procs.start_web()
        procs.start_workers()
        procs.start_beat()
        procs.supervise()
        print(f"faults benchmark: PostgreSQL :{postgres.port}, Redis :{redis.port}, "
              f"gunicorn :{procs.port}; logs in {base}")  # fmt: skip
        bench = Bench(procs, postgres, redis, widget_key)
        bench.warm_up()
        quiet = bench.quiet()
        bench.burst(quiet)
        bench.worker_kill()
        bench.broker_down()
        bench.postgres_down()
        bench.sigterm()
        bench.soak()
        print(f"\nanswers: webhooks {dict(sorted(bench.ledger.webhook_answers.items()))}, "
              f"chat {dict(sorted(bench.ledger.chat_answers.items()))}")  # fmt: skip
        if procs.restarts:
            print(f"restarted by the supervisor after exiting on their own: {procs.restarts}")
        if bench.problems:
            print("FAILED: " + "; ".join(bench.problems))
            return 1
        print("OK: nothing lost, nothing doubled, no duplicate customer message")
        return 0
    finally:
        if procs is not None:
            procs.stop_all()
        if redis is not None and redis.process is not None and redis.process.poll() is None:
            redis.stop()
        if postgres is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                postgres.stop()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
