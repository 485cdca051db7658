"""Email and SMS as channels: inbound webhooks to replies sent, through gunicorn and a real worker.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/messaging.py

Serves the app with gunicorn (config/gunicorn.conf.py) and runs a Celery worker (prefork, the
chat and default queues, beat inside: the sweeps are part of "nothing lost") on a freshly
migrated database (`<DATABASE_URL name>_bench_msg`) with
STORES demo stores, each connected to Twilio and SendGrid, whose APIs are the stand-in
(`standins/messaging`, real HTTP, in this process). It then posts BENCH_SMS signed Twilio
webhooks and BENCH_EMAILS SendGrid Inbound Parse posts (multipart), spread over the stores, at
a steady BENCH_RATE per second (open loop: each request leaves at its scheduled time whatever
the previous ones did), every customer writing twice. It waits until every reply was sent.

Reports: inbound webhook latency p50/p99 per channel, against GET /ping measured in the same
run (the baseline); inbound→outbound-sent p50/p95 (the customer message's creation to the reply's
`sent_at`, both server clocks); duplicates sent (the stand-in got more messages than there are
sent rows) and lost (a webhook answered 200 without a reply sent by the deadline).
Targets: inbound p99 < 100 ms, 0 duplicates, 0 lost, 0 errors. Exit 1 on a miss.
Knobs (env): BENCH_SMS (1000), BENCH_EMAILS (1000), BENCH_RATE (20 per second), BENCH_STORES (5),
BENCH_DRAIN_SECONDS (600), BENCH_PORT / BENCH_STANDIN_PORT (free ones), WEB_CONCURRENCY (2),
GUNICORN_THREADS (4), BENCH_WORKER_CONCURRENCY (2).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat import free_port, percentile, recreate_database, start_server, stop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
CELERY = PYTHON.with_name("celery")

SMS_COUNT = int(os.environ.get("BENCH_SMS", "1000"))
EMAIL_COUNT = int(os.environ.get("BENCH_EMAILS", "1000"))
RATE = float(os.environ.get("BENCH_RATE", "20"))
STORES = int(os.environ.get("BENCH_STORES", "5"))
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "600"))
TARGET_P99_MS = 100.0
WARMUP = 8
STORE_NUMBER = "+15005550006"
QUESTIONS = ("Where is my order?", "Can I return a hoodie?", "Do you ship to Canada?")
QUOTE = "\n\nOn Mon, Shop <help@shop.example> wrote:\n> Thanks for your order.\n"


def bench_env(port: int, stand_in_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    database = urlsplit(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/')}_bench_msg"
    return {
        **os.environ,
        "DATABASE_URL": urlunsplit(database._replace(path=f"/{name}")),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "APP_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        "GUNICORN_MAX_REQUESTS": "0",
        "DATABASE_CONN_MAX_AGE": "600",
        "MESSAGING_TWILIO_API_BASE": stand_in_url,
        "MESSAGING_SENDGRID_API_HOST": stand_in_url,
        "AGENT_SWEEP_SECONDS": "15",
        "MESSAGING_OUTBOX_SWEEP_SECONDS": "15",
    }


@dataclass(frozen=True)
class Target:
    store_id: int
    sms_path: str
    email_path: str


def prepare(env: dict[str, str]) -> list[Target]:
    """A fresh database with STORES demo stores connected to both providers (the stand-in)."""
    import subprocess

    recreate_database(env["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from apps.conversations.inbound import inbound_token
    from apps.conversations.models import Channel
    from apps.core.redis import get_redis
    from apps.integrations.commerce.demo import seed_demo_store
    from apps.stores.fields import Secret
    from apps.stores.models import IntegrationCredential, IntegrationStatus
    from standins.messaging import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN

    _empty_queues(get_redis())
    targets = []
    for n in range(STORES + 1):  # the first one only warms the processes up
        store = seed_demo_store(domain=f"bench-{n}.demo.example")
        configs = {
            "twilio": {
                "account_sid": TWILIO_SID,
                "auth_token": TWILIO_TOKEN,
                "from_number": STORE_NUMBER,
            },
            "sendgrid": {
                "api_key": SENDGRID_KEY,
                "from_email": f"help@bench-{n}.example.com",
                "inbound_domain": f"reply.bench-{n}.example.com",
                "region": "global",
            },
        }
        for provider, config in configs.items():
            IntegrationCredential.objects.create(
                store=store,
                provider=provider,
                config=Secret(json.dumps(config)),  # type: ignore[misc]
                status=IntegrationStatus.CONNECTED,
            )
        targets.append(
            Target(
                store.pk,
                f"/inbound/sms/{inbound_token(store, Channel.SMS)}",
                f"/inbound/email/{inbound_token(store, Channel.EMAIL)}",
            )
        )
    return targets


def start_worker(env: dict[str, str], log: Path) -> object:
    import subprocess

    concurrency = os.environ.get("BENCH_WORKER_CONCURRENCY", "2")
    command = [
        str(CELERY), "-A", "config", "worker", "--pool=prefork", f"--concurrency={concurrency}",
        "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", "chat,celery", "-n", f"bench-msg-{secrets.token_hex(3)}@%h",
        # Beat in the worker, as in production: the sweeps are part of "nothing lost".
        "-B", "-s", str(log.with_suffix(".beat")),
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


# ---------------------------------------------------------------- requests


def sms_request(target: Target, n: int, base: str) -> tuple[str, dict[str, str], dict[str, str]]:
    from twilio.request_validator import RequestValidator

    from standins.messaging import TWILIO_SID, TWILIO_TOKEN

    params = {
        "MessageSid": f"SM{n:032x}",
        "AccountSid": TWILIO_SID,
        "From": f"+1555{(n // 2) % 10_000_000:07d}",
        "To": STORE_NUMBER,
        "Body": QUESTIONS[n % len(QUESTIONS)],
        "NumMedia": "0",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(base + target.sms_path, params)
    return target.sms_path, params, {"X-Twilio-Signature": signature}


def email_request(target: Target, n: int) -> tuple[str, bytes, dict[str, str]]:
    sender = f"customer{n // 2}@example.net"
    fields = {
        "headers": f"From: <{sender}>\nSubject: Question {n // 2}\nMessage-ID: <bench-{n}@x>\n",
        "from": sender,
        "to": "help@shop.example",
        "subject": f"Question {n // 2}",
        "text": QUESTIONS[n % len(QUESTIONS)] + QUOTE,
        "envelope": json.dumps({"to": ["help@shop.example"], "from": sender}),
    }
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return target.email_path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@dataclass
class Results:
    latency_ms: dict[str, list[float]] = field(
        default_factory=lambda: {"sms": [], "email": [], "ping": []}
    )
    accepted: dict[str, int] = field(default_factory=lambda: {"sms": 0, "email": 0})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def fire(client: httpx.Client, kind: str, n: int, targets: list[Target], results: Results) -> None:
    target = targets[n % len(targets)]
    base = str(client.base_url).rstrip("/")
    started = time.perf_counter()
    try:
        if kind == "sms":
            path, params, headers = sms_request(target, n, base)
            response = client.post(path, data=params, headers=headers)
        elif kind == "email":
            path, body, headers = email_request(target, n)
            response = client.post(path, content=body, headers=headers)
        else:
            response = client.get("/ping")
    except httpx.HTTPError as exc:
        with results.lock:
            results.errors.append(f"{kind} {n}: {exc!r}")
        return
    elapsed = (time.perf_counter() - started) * 1000
    with results.lock:
        results.latency_ms[kind].append(elapsed)
        if response.status_code != 200:
            results.errors.append(f"{kind} {n}: HTTP {response.status_code}")
        elif kind in results.accepted:
            results.accepted[kind] += 1


def drive(port: int, targets: list[Target]) -> Results:
    """Every inbound request at its scheduled time (SMS and email interleaved), and a /ping
    baseline at a tenth of the rate alongside."""
    plan: list[tuple[str, int]] = []
    for n in range(max(SMS_COUNT, EMAIL_COUNT)):
        plan += [("sms", n)] if n < SMS_COUNT else []
        plan += [("email", n)] if n < EMAIL_COUNT else []
    pings = [("ping", n) for n in range(len(plan) // 10)]
    results = Results()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    with ThreadPoolExecutor(max_workers=32) as pool:
        baseline = threading.Thread(
            target=_paced, args=(pool, client, pings, RATE / 10, targets, results)
        )
        baseline.start()
        _paced(pool, client, plan, RATE, targets, results)
        baseline.join()
    client.close()
    return results


def _paced(
    pool: ThreadPoolExecutor,
    client: httpx.Client,
    plan: list[tuple[str, int]],
    rate: float,
    targets: list[Target],
    results: Results,
) -> None:
    began = time.perf_counter()
    for index, (kind, n) in enumerate(plan):
        delay = began + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        pool.submit(fire, client, kind, n, targets, results)


def warm_up(port: int, target: Target) -> None:
    """Load code in every gunicorn and worker process before anything is measured (a store of
    its own, left out of every count)."""
    from apps.conversations.models import OutboundMessage, OutboundStatus

    results = Results()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(WARMUP):
            for kind in ("sms", "email", "ping"):
                fire(client, kind, 10_000_000 + 2 * n, [target], results)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        sent = OutboundMessage.objects.filter(
            store_id=target.store_id, status=OutboundStatus.SENT
        ).count()
        if sent >= 2 * WARMUP:
            return
        time.sleep(0.5)
    raise SystemExit(f"warm-up replies were not sent: {results.errors[:3]}")


# ---------------------------------------------------------------- outcome


@dataclass
class Outcome:
    customer_messages: int
    sent_replies: int
    inbound_to_sent_ms: list[float]
    duplicates: int
    lost: int


def wait_and_count(results: Results, stand_in: object, stores: list[int]) -> Outcome:
    from django.db import close_old_connections

    from apps.conversations.models import Message, MessageRole, OutboundMessage, OutboundStatus

    expected = results.accepted["sms"] + results.accepted["email"]
    deadline = time.monotonic() + DRAIN_SECONDS
    sent_states = [OutboundStatus.SENT, OutboundStatus.DELIVERED]
    while time.monotonic() < deadline:
        close_old_connections()
        done = OutboundMessage.objects.filter(
            store_id__in=stores, status__in=sent_states, message__reply_to__isnull=False
        ).count()
        if done >= expected:
            break
        time.sleep(1)
    rows = list(
        OutboundMessage.objects.filter(
            store_id__in=stores, status__in=sent_states, message__reply_to__isnull=False
        ).values_list("sent_at", "message__reply_to__created_at")
    )
    customers = Message.objects.filter(store_id__in=stores, role=MessageRole.CUSTOMER).count()
    state = stand_in.state  # type: ignore[attr-defined]
    provider_sends = len(state.sms) + len(state.emails)
    all_sent = OutboundMessage.objects.filter(status__in=sent_states).count()
    return Outcome(
        customer_messages=customers,
        sent_replies=len(rows),
        inbound_to_sent_ms=[
            (sent - created).total_seconds() * 1000 for sent, created in rows if sent and created
        ],
        duplicates=max(0, provider_sends - all_sent),
        lost=max(0, expected - len(rows)),
    )


def report(results: Results, outcome: Outcome, elapsed: float) -> bool:
    total = SMS_COUNT + EMAIL_COUNT
    print(
        f"messaging benchmark: {SMS_COUNT} SMS + {EMAIL_COUNT} emails across {STORES} stores at "
        f"{RATE:.0f}/s (+ a /ping per ten as the baseline), {total} inbound in {elapsed:.1f} s"
    )
    for kind, values in results.latency_ms.items():
        if values:
            print(
                f"  {kind + ' webhook' if kind != 'ping' else 'GET /ping (baseline)':<22} "
                f"p50 {percentile(values, 50):7.1f} ms   p99 {percentile(values, 99):7.1f} ms"
            )
    ping = results.latency_ms["ping"]
    inbound = results.latency_ms["sms"] + results.latency_ms["email"]
    if ping and inbound:
        ratio = percentile(inbound, 99) / max(0.1, percentile(ping, 99))
        print(f"  inbound p99 / ping p99: {ratio:.1f}x")
    latencies = outcome.inbound_to_sent_ms
    if latencies:
        print(
            f"  inbound -> reply sent     p50 {percentile(latencies, 50):7.0f} ms   "
            f"p95 {percentile(latencies, 95):7.0f} ms"
        )
    print(
        f"  customer messages stored {outcome.customer_messages}, replies sent "
        f"{outcome.sent_replies}, duplicates sent {outcome.duplicates}, lost {outcome.lost}"
    )
    for error in results.errors[:10]:
        print(f"  ERROR {error}")
    checks = {
        "no errors": not results.errors,
        f"inbound webhook p99 < {TARGET_P99_MS:.0f} ms": bool(inbound)
        and percentile(inbound, 99) < TARGET_P99_MS,
        "0 duplicates sent": outcome.duplicates == 0,
        "0 lost": outcome.lost == 0,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'} {name}")
    return all(checks.values())


def main() -> int:
    from standins.messaging import MessagingStandIn

    # BENCH_PORT: a fixed port, for machines where each user has a range of their own.
    port = int(os.environ.get("BENCH_PORT") or 0) or free_port()
    stand_in_port = int(os.environ.get("BENCH_STANDIN_PORT") or 0)
    with MessagingStandIn(stand_in_port) as stand_in:
        env = bench_env(port, stand_in.url)
        targets = prepare(env)
        log = Path(env.get("TMPDIR", "/tmp")) / f"bench-msg-worker-{port}.log"
        worker = start_worker(env, log)
        server = None
        ok = False
        try:
            server = start_server(env, port)
            warm_up(port, targets[0])
            measured = targets[1:]
            began = time.perf_counter()
            results = drive(port, measured)
            elapsed = time.perf_counter() - began
            outcome = wait_and_count(results, stand_in, [t.store_id for t in measured])
            ok = report(results, outcome, elapsed)
        finally:
            if server is not None:
                stop(server)
            stop(worker)  # type: ignore[arg-type]
            from apps.core.redis import get_redis

            _empty_queues(get_redis())
    return 0 if ok else 1


def _empty_queues(redis: object) -> None:
    if redis is not None:
        redis.delete("celery", "chat")  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
