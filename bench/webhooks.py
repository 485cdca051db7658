"""Webhook inbox throughput: signed orders/updated deliveries vs a trivial endpoint.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/webhooks.py

Serves the app with gunicorn (config/gunicorn.conf.py) on its own freshly migrated
database (`<DATABASE_URL name>_bench`, one installed store), then drives it from wrk on
loopback with CONNECTIONS concurrent connections: GET /ping (the ceiling) and POST
/webhooks/shopify (signed orders/updated bodies, a distinct X-Shopify-Event-Id per
request), DURATION seconds each, in alternating rounds. Prints requests/s and p50/p99
for both and the ratio, then checks that every delivery wrk sent was stored exactly once
and enqueued exactly once. Exits 1 on an error, a lost or doubled event, or a missed
target.

Targets: inbox >= 25% of /ping's requests/s, inbox p99 < 100 ms, zero errors.
Knobs (env): BENCH_DURATION (15 s per endpoint), BENCH_ROUNDS (3), BENCH_CONNECTIONS
(50), BENCH_WRK_THREADS (2), WEB_CONCURRENCY (2), GUNICORN_THREADS (8).
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
FIXTURE = ROOT / "tests" / "webhooks" / "fixtures" / "orders_fulfilled.json"
SHOP = "bench-shop.myshopify.com"
SECRET = secrets.token_hex(16)

DURATION = int(os.environ.get("BENCH_DURATION", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = 3
BODY_VARIANTS = 64
MIN_RATIO, MAX_P99_MS = 0.25, 100.0

# wrk Lua: counts what it sent and how each response ended, reports JSON from done().
LUA_COMMON = r"""
sent, ok, bad = 0, 0, 0  -- globals: done() reads them through thread:get
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local s, o, b = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent"); o = o + t:get("ok"); b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"sent":%d,"ok":%d,"non_200":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, s, o, b,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""

LUA_PING_REQUEST = r"""
function request()
  sent = sent + 1
  return wrk.format("GET", "/ping")
end
"""
LUA_PING = LUA_COMMON + LUA_PING_REQUEST

LUA_WEBHOOK = r"""
local run = "%(run)s"
local bodies, signatures = {}, {}
%(bodies)s
function request()
  sent = sent + 1
  local i = (sent %% #bodies) + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Shopify-Topic"] = "orders/updated",
    ["X-Shopify-Shop-Domain"] = "%(shop)s",
    ["X-Shopify-API-Version"] = "2026-10",
    ["X-Shopify-Hmac-Sha256"] = signatures[i],
    ["X-Shopify-Webhook-Id"] = run .. "-w" .. tid .. "-" .. sent,
    ["X-Shopify-Event-Id"] = run .. "-" .. tid .. "-" .. sent,
    ["X-Shopify-Triggered-At"] = "2026-03-03T14:02:11.000000000Z",
  }
  return wrk.format("POST", "/webhooks/shopify", headers, bodies[i])
end
"""


def _lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def webhook_script(run: str) -> str:
    """Signed bodies (distinct orders) precomputed here: wrk's Lua has no HMAC."""
    from apps.shopify_app.security import sign_webhook

    base = json.loads(FIXTURE.read_text())
    lines = []
    for n in range(BODY_VARIANTS):
        order = copy.deepcopy(base)
        order["id"] = base["id"] + n
        order["order_number"] = base["order_number"] + n
        order["name"] = f"#{order['order_number']}"
        body = json.dumps(order)
        lines.append(f"bodies[{n + 1}] = {_lua_string(body)}")
        lines.append(f'signatures[{n + 1}] = "{sign_webhook(body.encode(), SECRET)}"')
    return LUA_COMMON + LUA_WEBHOOK % {"run": run, "bodies": "\n".join(lines), "shop": SHOP}


# ---------------------------------------------------------------- environment


def bench_env() -> dict[str, str]:
    from cryptography.fernet import Fernet

    database = urlsplit(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/')}_bench"
    return {
        **os.environ,
        "DATABASE_URL": urlunsplit(database._replace(path=f"/{name}")),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SHOPIFY_API_KEY": "bench-api-key",
        "SHOPIFY_API_SECRET": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "8"),
        "GUNICORN_MAX_REQUESTS": "0",  # no worker recycling in the middle of a run
        "DATABASE_CONN_MAX_AGE": "600",
    }


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> None:
    recreate_database(env["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from apps.stores.services import TokenSet, store_install

    store_install(platform="shopify", domain=SHOP, tokens=TokenSet(access_token="shpat_bench"))
    broker().delete("celery")


def broker():  # type: ignore[no-untyped-def]
    from apps.core.redis import get_redis

    return get_redis()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


# ---------------------------------------------------------------- load


def wrk(script: str, url: str, seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
             "-s", handle.name, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(handle.name)
    line = next(x for x in output.splitlines() if x.startswith("WRK "))
    result = json.loads(line[4:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def stored_events(run: str) -> tuple[list[int], int]:
    """Row ids of this run's events, and how many distinct delivery ids they hold."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, event_id FROM webhooks_webhookevent WHERE event_id LIKE %s", [f"{run}%"]
        )
        rows = cursor.fetchall()
    return [row[0] for row in rows], len({row[1] for row in rows})


def queued_event_ids() -> list[int]:
    """Event ids in the broker's queue, decoded from the task messages (kombu's Redis
    envelope around Celery's protocol 2 body); a dispatch message carries a batch."""
    import base64

    ids: list[int] = []
    for raw in broker().lrange("celery", 0, -1):
        envelope = json.loads(raw)
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        batch = args[0]
        ids.extend(batch if isinstance(batch, list) else [batch])
    return ids


def report(label: str, result: dict[str, float]) -> None:
    print(
        f"  {label:<20} {result['rps']:8.0f} req/s   p50 {result['p50_us'] / 1000:6.1f} ms   "
        f"p99 {result['p99_us'] / 1000:6.1f} ms   max {result['max_us'] / 1000:7.1f} ms   "
        f"non-200 {result['non_200']:.0f}   socket errors {result['socket_errors']:.0f}"
    )


def combine(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Throughput over all rounds; the median round's p50 and the worst round's p99."""
    p50s = sorted(r["p50_us"] for r in rounds)
    seconds = sum(r["duration_us"] for r in rounds) / 1e6
    summed = {k: sum(r[k] for r in rounds) for k in ("requests", "sent", "ok", "non_200")}
    return {
        **summed,
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "rps": summed["requests"] / seconds,
        "p50_us": p50s[len(p50s) // 2],
        "p99_us": max(r["p99_us"] for r in rounds),
        "max_us": max(r["max_us"] for r in rounds),
    }


def measure(base: str, run: str) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Warm up, then alternate /ping and the inbox ROUNDS times, so a change in the
    machine's load during the run weighs on both sides of the ratio alike."""
    wrk(LUA_PING, f"{base}/ping", WARMUP)
    # Each wrk run numbers its requests from 1: a prefix per run keeps event ids distinct.
    warm = wrk(webhook_script(f"{run}w"), f"{base}/webhooks/shopify", WARMUP)
    pings, inboxes = [], []
    slice_seconds = max(1, DURATION // ROUNDS)
    for n in range(ROUNDS):
        pings.append(wrk(LUA_PING, f"{base}/ping", slice_seconds))
        inboxes.append(wrk(webhook_script(f"{run}{n}"), f"{base}/webhooks/shopify", slice_seconds))
    for n, (ping, inbox) in enumerate(zip(pings, inboxes, strict=True), start=1):
        print(
            f"  round {n}: /ping {ping['rps']:.0f} req/s p99 {ping['p99_us'] / 1000:.1f} ms; "
            f"inbox {inbox['rps']:.0f} req/s p99 {inbox['p99_us'] / 1000:.1f} ms",
            flush=True,
        )
    return warm, combine(pings), combine(inboxes)


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    env = bench_env()
    prepare(env)
    port = free_port()
    server = start_server(env, port)
    run = f"bench{secrets.token_hex(3)}-"
    try:
        warm, ping, inbox = measure(f"http://127.0.0.1:{port}", run)
    finally:
        server.terminate()  # graceful: each worker's relay publishes what it still holds
        server.wait(timeout=30)

    row_ids, distinct = stored_events(run)
    total = len(row_ids)
    queued_ids = queued_event_ids()
    messages = int(broker().llen("celery"))
    broker().delete("celery")  # nobody will work these; don't leave them in the test Redis
    sent = warm["sent"] + inbox["sent"]
    accepted = warm["ok"] + inbox["ok"]
    ratio = inbox["rps"] / ping["rps"]

    print(f"webhook inbox benchmark: gunicorn {env['WEB_CONCURRENCY']}x{env['GUNICORN_THREADS']}"
          f" gthread; wrk -t{WRK_THREADS} -c{CONNECTIONS} on loopback, {ROUNDS} alternating "
          f"rounds of {max(1, DURATION // ROUNDS)} s per endpoint")  # fmt: skip
    report("GET /ping", ping)
    report("POST /webhooks", inbox)
    print(f"  inbox / ping         {ratio:8.1%}")
    print(f"  deliveries: sent {sent:.0f}, answered 200 {accepted:.0f}, rows {total}, "
          f"distinct event ids {distinct}; queued for the worker: {len(queued_ids)} events "
          f"in {messages} messages")  # fmt: skip

    problems = []
    errors = sum(r["non_200"] + r["socket_errors"] for r in (warm, ping, inbox))
    if errors:
        problems.append(f"{errors:.0f} error(s)")
    if total != distinct:
        problems.append(f"{total - distinct} doubled event(s)")
    if not accepted <= total <= sent:
        problems.append(f"rows {total} outside [answered {accepted:.0f}, sent {sent:.0f}]")
    if sorted(queued_ids) != sorted(row_ids):
        problems.append(f"{len(queued_ids)} queued events for {total} stored events")
    if ratio < MIN_RATIO:
        problems.append(f"throughput ratio {ratio:.1%} < {MIN_RATIO:.0%}")
    if inbox["p99_us"] / 1000 >= MAX_P99_MS:
        problems.append(f"p99 {inbox['p99_us'] / 1000:.1f} ms >= {MAX_P99_MS:.0f} ms")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print(f"OK: targets met (>= {MIN_RATIO:.0%} of /ping, p99 < {MAX_P99_MS:.0f} ms, no errors), "
          "every accepted event stored and enqueued exactly once")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
