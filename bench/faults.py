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
7. soak: BENCH_SOAK_SECONDS (60; a 5-minute soak is BENCH_SOAK_SECONDS=300) of mixed
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
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _fault_load import SECRET, SHOP, Ledger, Load, healthz, pct, settled, worker_results
from _fault_stack import PYTHON, ROOT, Postgres, Processes, Redis, rss_mb

SHOPPERS = int(os.environ.get("BENCH_SHOPPERS", "6"))
PHASE = float(os.environ.get("BENCH_PHASE_SECONDS", "20"))
BURST_FACTOR = float(os.environ.get("BENCH_BURST_FACTOR", "10"))
BACKLOG_SECONDS = float(os.environ.get("BENCH_BACKLOG_SECONDS", "20"))
SOAK = float(os.environ.get("BENCH_SOAK_SECONDS", "60"))
OUTAGE = 8.0
SETTLE_TIMEOUT = 150.0


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
