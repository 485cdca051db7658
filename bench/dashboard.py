"""Dashboard pages at scale: inbox and analytics for a store with 100,000 conversations.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/dashboard.py

Builds its own database (`<DATABASE_URL name>_bench_dashboard`, migrated fresh), installs
one Shopify store with an active subscription, and loads it with COPY: BENCH_CONVERSATIONS
conversations (default 100,000) spread over the last 365 days, ten messages each (1,000,000),
and their actions (lookups, refunds in two currencies, escalations). Conversations come in
the shapes analytics tells apart: resolved by the AI, escalated, finished by a person,
abandoned, and recent ones still going.

Then the daily analytics rollups of every past day are built (timed), and, in this
process through Django's test client (server time: routing, the session-token check,
queries, templates; no network), with a fresh App Bridge session token per request:

* GET /app/conversations/ (the inbox, first page) and GET /app/analytics/ over 7, 30, 90
  and 366 days: p50/p95/max over BENCH_REQUESTS requests (default 40) after a warm-up
  (the inbox is the baseline of the same run);
* SQL queries per page with 10 and with 50 rows shown (inbox page size; analytics days),
  which must be equal (no N+1);
* POST /app/actions/<id>/approve/ on BENCH_REQUESTS refunds awaiting approval: the request
  only records the decision and enqueues the execution, so it must not depend on the
  platform (p95 < 100 ms), measured with a platform that answers at once and again with
  one that takes SLOW_PLATFORM_SECONDS (2 s) per call and is then throttled; neither run
  may call it. BENCH_ONLY=approve measures just this (on the data there is, or a small
  BENCH_CONVERSATIONS set generated for it).
  BENCH_ONLY=retention purges BENCH_PURGE_EVENTS (default 60,000) old webhook events four
  times while webhooks arrive, alternating batches back to back and RETENTION_PAUSE_SECONDS
  apart: ingestion p50/p99 and rows deleted per second of each (on the data there is with
  BENCH_REUSE_DATA=1).
  BENCH_ONLY=analytics measures just the inbox (the baseline) and the analytics ranges,
  with their query counts (no approvals, EXPLAIN or retention).
* EXPLAIN ANALYZE of each hot query (inbox filters, unanswered-message sweep,
  pending-webhook sweep over BENCH_STRANDED_EVENTS (default 115,000) pending events an
  outage left behind, billing charge sweep, rollup sweep, retention candidates): none
  may scan a whole big table;
* retention: BENCH_CONVERSATIONS old processed webhook events (COPY) and the conversations
  older than BENCH_RETENTION_DAYS (default 300) are purged by the retention jobs in
  another process while webhooks keep arriving; rows deleted per second, and webhook ingestion
  p50/p99 before and during the purge.

Exit 1 when a p95 is at or over 200 ms, the approval's at or over 100 ms (or it calls the
platform), a query count grows with the rows shown, or a hot query scans a whole big table.
BENCH_REUSE_DATA=1 measures the data a previous run left instead of generating it again
(the retention part then needs fresh data: it is skipped).
Scale with BENCH_CONVERSATIONS (default 100,000; 1,000,000 gives 10,000,000 messages).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
SHOP = "bench-dashboard.myshopify.com"
API_KEY = "bench-dashboard-api-key"
# Fixed, bench-only credentials for a throwaway database, so BENCH_REUSE_DATA can read
# back the store's encrypted token.
SECRET = hashlib.sha256(b"aftersale bench dashboard secret").hexdigest()
ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"aftersale bench dashboard key").digest()
).decode()

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "100000"))
MESSAGES_EACH = 10
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
WARMUP = 5
DAYS = 365
TARGET_P95_MS = 200.0
TARGET_APPROVE_P95_MS = 100.0
# The platform while approvals are measured again: every Admin API call this slow, then throttled.
SLOW_PLATFORM_SECONDS = 2.0
THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": None, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 0.0, "restoreRate": 50.0}}},
}  # fmt: skip
PURGE_EVENTS = int(os.environ.get("BENCH_PURGE_EVENTS", "60000"))
# Pending events an outage left behind, for the pending-webhook sweep's plan.
STRANDED_EVENTS = int(os.environ.get("BENCH_STRANDED_EVENTS", "115000"))
RETENTION_DAYS = int(os.environ.get("BENCH_RETENTION_DAYS", "300"))
ANALYTICS_RANGES = (7, 30, 90, 366)

INTENTS = ("order_status", "return_request", "refund_request", "cancel_order", "change_address",
           "product_question", "policy_question", "complaint", "other", "")  # fmt: skip


# ---------------------------------------------------------------- environment


def bench_env() -> dict[str, str]:
    database = urlsplit(os.environ["DATABASE_URL"])
    name = f"{database.path.lstrip('/')}_bench_dashboard"
    return {
        **os.environ,
        "DATABASE_URL": urlunsplit(database._replace(path=f"/{name}")),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": SECRET,
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
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


def prepare(env: dict[str, str]) -> int:
    """A fresh database with the store (and its subscription); returns the store id."""
    recreate_database(env["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.utils import timezone

    from apps.billing.models import AppSubscription, SubscriptionStatus
    from apps.stores.services import TokenSet, store_install

    store = store_install(platform="shopify", domain=SHOP, tokens=TokenSet(access_token="shpat_b"))
    now = timezone.now()
    AppSubscription.objects.create(
        store=store, shopify_id="gid://shopify/AppSubscription/1", plan_key="growth",
        name="Aftersale Growth", status=SubscriptionStatus.ACTIVE, recurring_price="99.00",
        usage_price="0.30", capped_amount="500.00", activated_at=now - timedelta(days=400),
        usage_line_item_id="gid://shopify/AppSubscriptionLineItem/1?v=1&index=1",
    )  # fmt: skip
    return int(store.pk)


# ---------------------------------------------------------------- data


def _shape(n: int) -> str:
    """Which kind of conversation number n is (fixed proportions, spread evenly)."""
    bucket = n % 20
    if bucket < 12:
        return "resolved"
    if bucket < 14:
        return "escalated"
    if bucket < 15:
        return "human"
    if bucket < 18:
        return "abandoned"
    return "refund"


def generate(store_id: int) -> dict[str, int]:
    """COPY the conversations, messages and actions in; returns row counts."""
    from django.db import connection

    now = datetime.now(tz=UTC)
    spacing = DAYS * 86400 / CONVERSATIONS
    counts = {"conversations": 0, "messages": 0, "actions": 0}
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as copy_cursor:
            _copy_conversations(copy_cursor, store_id, now, spacing, counts)
            _copy_messages(copy_cursor, store_id, now, spacing, counts)
            _copy_actions(copy_cursor, store_id, now, spacing, counts)
        for table in ("conversation", "message", "agentaction"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('conversations_{table}', 'id'), "
                f"(SELECT max(id) FROM conversations_{table}))"
            )
        cursor.execute("ANALYZE")
    return counts


def _started(n: int, now: datetime, spacing: float) -> datetime:
    # Conversation 1 is the oldest; the newest started a minute ago.
    return now - timedelta(seconds=(CONVERSATIONS - n) * spacing + 60)


def _copy_conversations(
    cur: Any, store_id: int, now: datetime, spacing: float, counts: dict[str, int]
) -> None:
    columns = (
        "id, store_id, channel, status, customer_email, customer_phone, customer_platform_id, "
        "customer_verified, primary_intent, state, helpdesk_ticket_ids, created_at, updated_at, "
        "last_message_at, resolved_at"
    )
    status = {"resolved": "ai_handling", "escalated": "escalated", "human": "human_handling",
              "abandoned": "ai_handling", "refund": "ai_handling"}  # fmt: skip
    with cur.copy(f"COPY conversations_conversation ({columns}) FROM STDIN") as copy:
        for n in range(1, CONVERSATIONS + 1):
            shape = _shape(n)
            started = _started(n, now, spacing)
            last = started + timedelta(seconds=MESSAGES_EACH * 20)
            state = '{"awaiting": "order_number"}' if shape == "abandoned" else "{}"
            copy.write_row((
                n, store_id, "web", status[shape], f"customer{n % 5000}@example.com", "", "",
                False, INTENTS[n % len(INTENTS)], state, "{}", started, last, last, None,
            ))  # fmt: skip
            counts["conversations"] += 1


def _copy_messages(
    cur: Any, store_id: int, now: datetime, spacing: float, counts: dict[str, int]
) -> None:
    columns = "id, store_id, conversation_id, role, text, metadata, handled_at, created_at"
    with cur.copy(f"COPY conversations_message ({columns}) FROM STDIN") as copy:
        message_id = 0
        for n in range(1, CONVERSATIONS + 1):
            shape = _shape(n)
            started = _started(n, now, spacing)
            for m in range(MESSAGES_EACH):
                message_id += 1
                at = started + timedelta(seconds=m * 20 + (n % 7))
                if m % 2 == 0:
                    role, text, handled = "customer", f"Question {m} about order #{1000 + n}", at
                elif shape == "human" and m >= MESSAGES_EACH - 2:
                    role, text, handled = "human_agent", "Our team has this one.", None
                else:
                    role, text, handled = "assistant", f"Answer {m}: it ships today.", None
                copy.write_row((message_id, store_id, n, role, text, "{}", handled, at))
                counts["messages"] += 1


def _copy_actions(
    cur: Any, store_id: int, now: datetime, spacing: float, counts: dict[str, int]
) -> None:
    columns = ("store_id, conversation_id, kind, status, idempotency_key, parameters, amount, "
               "currency, policy_reason, evidence, result, error, approved_by, executed_at, "
               "created_at, updated_at")  # fmt: skip
    with cur.copy(f"COPY conversations_agentaction ({columns}) FROM STDIN") as copy:
        for n in range(1, CONVERSATIONS + 1):
            shape = _shape(n)
            at = _started(n, now, spacing) + timedelta(seconds=30)
            actions = [("lookup_order", None, "")] if shape != "abandoned" else []
            if shape == "escalated":
                actions.append(("escalate", None, ""))
            if shape == "refund":
                actions.append(("refund", f"{10 + n % 90}.50", "USD" if n % 3 else "EUR"))
            for index, (kind, amount, currency) in enumerate(actions):
                copy.write_row((
                    store_id, n, kind, "executed", f"bench:{n}:{index}", "{}", amount, currency,
                    "", "{}", "{}", "", "", at, at, at,
                ))  # fmt: skip
                counts["actions"] += 1


# ---------------------------------------------------------------- measuring


def session_token() -> str:
    import jwt

    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP}/admin", "dest": f"https://{SHOP}", "aud": API_KEY,
        "sub": "74221789523", "exp": now + 60, "nbf": now - 1, "iat": now - 1,
        "jti": secrets.token_hex(8), "sid": secrets.token_hex(16),
    }  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


def get(client: Any, path: str, params: dict[str, str] | None = None) -> Any:
    response = client.get(
        path, params or {}, headers={"Authorization": f"Bearer {session_token()}"}
    )
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    return response


def timings(client: Any, path: str, params: dict[str, str] | None = None) -> dict[str, float]:
    for _ in range(WARMUP):
        get(client, path, params)
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        get(client, path, params)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[max(0, round(0.95 * len(samples)) - 1)],
        "max": samples[-1],
    }


def query_count(client: Any, path: str, params: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, path, params)
    return len(captured.captured_queries)


def inbox_queries(client: Any, rows: int) -> int:
    from apps.dashboard.selectors import inbox

    before = inbox.PAGE_SIZE
    inbox.PAGE_SIZE = rows
    try:
        response = get(client, "/app/conversations/")
        shown = response.content.decode().count("data-conversation=")
        assert shown == rows, f"inbox showed {shown} rows, expected {rows}"
        return query_count(client, "/app/conversations/")
    finally:
        inbox.PAGE_SIZE = before


def analytics_queries(client: Any, days: int) -> int:
    end = datetime.now(tz=UTC).date()
    params = {"start": (end - timedelta(days=days - 1)).isoformat(), "end": end.isoformat()}
    shown = get(client, "/app/analytics/", params).content.decode().count("<tr data-day=")
    assert shown == days, f"analytics showed {shown} days, expected {days}"
    return query_count(client, "/app/analytics/", params)


def approve_timings(client: Any, store_id: int, *, platform_delay: float) -> dict[str, float]:
    """Approve WARMUP + REQUESTS refunds waiting in recent conversations (the panel the
    merchant sees comes back with each), then drop the execution tasks nobody will run.

    Meanwhile every call to the shop's Admin API takes `platform_delay` seconds and is then
    throttled, and any other outbound HTTP call fails: `calls` counts the platform calls
    the approvals made (the request records the decision and enqueues; it must make none).
    """
    import httpx
    import respx

    from apps.conversations.models import ActionStatus, AgentAction
    from apps.core.redis import get_redis

    def platform(request: httpx.Request) -> httpx.Response:
        time.sleep(platform_delay)
        return httpx.Response(200, json=THROTTLED)

    AgentAction.objects.filter(idempotency_key__startswith="bench-approve:").delete()
    waiting = AgentAction.objects.bulk_create(
        AgentAction(
            store_id=store_id, conversation_id=CONVERSATIONS - n, kind="refund",
            status=ActionStatus.AWAITING_APPROVAL, idempotency_key=f"bench-approve:{n}",
            parameters={"order_id": f"gid://shopify/Order/{n}", "order_name": f"#{n}"},
            amount="120.00", currency="USD", policy_reason="Above the limit.",
        )
        for n in range(WARMUP + REQUESTS)
    )  # fmt: skip
    samples = []
    with respx.mock(assert_all_called=False) as mock:
        shop = mock.route(host=SHOP).mock(side_effect=platform)
        for index, action in enumerate(waiting):
            started = time.perf_counter()
            response = client.post(
                f"/app/actions/{action.pk}/approve/",
                headers={"Authorization": f"Bearer {session_token()}", "HX-Request": "true",
                         "HX-Target": "conversation-panel"},
            )  # fmt: skip
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(
                    f"approve answered {response.status_code}: {response.content[:300]!r}"
                )
            if index >= WARMUP:
                samples.append(elapsed)
    get_redis().delete("chat")
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[max(0, round(0.95 * len(samples)) - 1)],
        "max": samples[-1],
        "calls": float(shop.call_count),
    }


def approve_results(client: Any, store_id: int) -> dict[str, dict[str, float]]:
    """Approval with a platform that answers at once (the baseline) and with one that takes
    SLOW_PLATFORM_SECONDS per call: the same when nothing in the request waits on it."""
    return {
        "approve": approve_timings(client, store_id, platform_delay=0.0),
        "approve_slow": approve_timings(client, store_id, platform_delay=SLOW_PLATFORM_SECONDS),
    }


def report_approve(results: dict[str, dict[str, float]]) -> list[str]:
    """Print the approval figures; the problems they show."""
    fast, slow = results["approve"], results["approve_slow"]
    report("POST /app/actions/<id>/approve/", fast)
    report(f"  ... platform {SLOW_PLATFORM_SECONDS:.0f} s per call", slow)
    print(f"  approve p95, slow platform / baseline: {slow['p95'] / fast['p95']:.2f}; platform "
          f"calls in the requests: {fast['calls']:.0f} and {slow['calls']:.0f}")  # fmt: skip
    problems = [
        f"approve p95 {r['p95']:.1f} ms >= {TARGET_APPROVE_P95_MS:.0f} ms ({name})"
        for name, r in (("baseline", fast), ("slow platform", slow))
        if r["p95"] >= TARGET_APPROVE_P95_MS
    ]
    if fast["calls"] or slow["calls"]:
        problems.append("approving called the platform inside the request")
    return problems


def report(label: str, result: dict[str, float]) -> None:
    print(f"  {label:<34} p50 {result['p50']:7.1f} ms   p95 {result['p95']:7.1f} ms   "
          f"max {result['max']:7.1f} ms")  # fmt: skip


def reuse(env: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """With BENCH_REUSE_DATA=1, the data a previous run generated (if complete)."""
    if os.environ.get("BENCH_REUSE_DATA") != "1":
        return None
    import psycopg

    try:
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            store = conn.execute("SELECT id FROM stores_store WHERE domain = %s", [SHOP]).fetchone()
            counts = {
                table: int(conn.execute(f"SELECT count(*) FROM conversations_{name}").fetchone()[0])
                for table, name in (
                    ("conversations", "conversation"),
                    ("messages", "message"),
                    ("actions", "agentaction"),
                )
            }
    except psycopg.Error:
        return None
    if store is None or counts["conversations"] != CONVERSATIONS:
        return None
    os.environ.update(env)
    import django

    django.setup()
    return int(store[0]), counts


def main() -> int:
    env = bench_env()
    started = time.monotonic()
    reused = reuse(env)
    if reused is None:
        store_id = prepare(env)
        counts = generate(store_id)
    else:
        store_id, counts = reused
    how = "reused" if reused else "generated"
    print(f"dashboard benchmark: {counts['conversations']:,} conversations, "
          f"{counts['messages']:,} messages, {counts['actions']:,} actions over {DAYS} days, "
          f"{how} in {time.monotonic() - started:.1f} s")  # fmt: skip

    import _dashboard_scale as scale
    from django.test import Client

    if os.environ.get("BENCH_ONLY") == "retention":
        return report_pause(Client(), scale)
    if os.environ.get("BENCH_ONLY") == "approve":
        print(f"server time over {REQUESTS} requests each (Django test client, in process):")
        problems = report_approve(approve_results(Client(), store_id))
        print("FAILED: " + "; ".join(problems) if problems else "OK: approve p95 < "
              f"{TARGET_APPROVE_P95_MS:.0f} ms whatever the platform does")  # fmt: skip
        return 1 if problems else 0

    days, seconds = scale.build_rollups(store_id)
    print(f"rollups: {days} past days rolled up from the source rows in {seconds:.1f} s")
    if reused is None:
        scale.copy_old_webhook_events(counts["conversations"])
        scale.copy_stranded_webhook_events(STRANDED_EVENTS)

    client = Client()
    end = datetime.now(tz=UTC).date()
    results = {"inbox": timings(client, "/app/conversations/")}
    for length in ANALYTICS_RANGES:
        span = {"start": (end - timedelta(days=length - 1)).isoformat(), "end": end.isoformat()}
        results[f"analytics_{length}"] = timings(client, "/app/analytics/", span)
    only_analytics = os.environ.get("BENCH_ONLY") == "analytics"
    if not only_analytics:
        results.update(approve_results(client, store_id))
    queries = {
        "inbox": (inbox_queries(client, 10), inbox_queries(client, 50)),
        "analytics": (analytics_queries(client, 10), analytics_queries(client, 50)),
    }

    print(f"server time over {REQUESTS} requests each (Django test client, in process):")
    report("GET /app/conversations/", results["inbox"])
    for length in ANALYTICS_RANGES:
        report(f"GET /app/analytics/ ({length} days)", results[f"analytics_{length}"])
    problems = [] if only_analytics else report_approve(results)
    print("SQL queries per page, 10 rows vs 50 rows shown:")
    for page, (ten, fifty) in queries.items():
        print(f"  {page:<34} {ten} vs {fifty}")
    print("hot queries (EXPLAIN ANALYZE):")
    plans = [] if only_analytics else scale.explain_checks(store_id)
    for name, ms, problem in plans:
        print(f"  {name:<34} {ms:8.2f} ms   {problem or 'index'}")

    for page in ("inbox", *(f"analytics_{n}" for n in ANALYTICS_RANGES)):
        if results[page]["p95"] >= TARGET_P95_MS:
            problems.append(f"{page} p95 {results[page]['p95']:.1f} ms >= {TARGET_P95_MS:.0f} ms")
    for page, (ten, fifty) in queries.items():
        if ten != fifty:
            problems.append(f"{page} queries grow with rows shown ({ten} vs {fifty})")
    problems += [f"{name}: {problem}" for name, _, problem in plans if problem]

    if reused is None and not only_analytics:
        problems += measure_retention(client, store_id, scale)
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    if only_analytics:
        print(f"OK: inbox and analytics (7-366 days) p95 < {TARGET_P95_MS:.0f} ms, queries "
              "constant in the rows shown")  # fmt: skip
        return 0
    print(f"OK: inbox and analytics (7-366 days) p95 < {TARGET_P95_MS:.0f} ms, queries constant "
          f"in the rows shown, approve p95 < {TARGET_APPROVE_P95_MS:.0f} ms (a slow platform too), "
          "no hot query scans a whole big table")  # fmt: skip
    return 0


def report_pause(client: Any, scale: Any) -> int:
    """BENCH_ONLY=retention: the webhook-event purge with and without its pause."""
    from django.conf import settings

    pause = settings.RETENTION_PAUSE_SECONDS
    # The baseline: the same ingestion with no purge running, in this run.
    quiet = scale.ingestion(client, SHOP, SECRET, scale.INGEST_BASELINE)
    print(f"webhook ingestion with no purge running: p50 {quiet['p50']:5.1f} ms "
          f"p99 {quiet['p99']:6.1f} ms ({quiet['n']:.0f})")  # fmt: skip
    print(f"webhook ingestion while {PURGE_EVENTS:,} old events are purged (another process), "
          f"back to back vs {pause:.2f} s between batches, alternating:")  # fmt: skip
    for seconds, r in scale.purge_pause_comparison(client, SHOP, SECRET, PURGE_EVENTS, pause):
        print(f"  pause {seconds:.2f} s   ingestion p50 {r['p50']:5.1f} ms p99 {r['p99']:6.1f} ms "
              f"({r['n']:.0f})   purge {r['rows_per_s']:8,.0f} rows/s")  # fmt: skip
    return 0


def measure_retention(client: Any, store_id: int, scale: Any) -> list[str]:
    baseline = scale.ingestion(client, SHOP, SECRET, scale.INGEST_BASELINE)
    during = scale.retention_under_load(client, SHOP, SECRET, store_id, RETENTION_DAYS)
    events, event_s = during["events"]
    conversations, conversation_s = during["conversations"]
    ingest = during["ingest"]
    print("retention (beat's jobs, in another process, while webhooks arrive here):")
    print(f"  webhook events     {events:>9,} deleted in {event_s:6.1f} s = "
          f"{events / max(event_s, 1e-9):8,.0f} rows/s")  # fmt: skip
    print(f"  conversations      {conversations:>9,} erased (with ~{MESSAGES_EACH} messages and "
          f"their actions each) in {conversation_s:6.1f} s = "
          f"{conversations / max(conversation_s, 1e-9):8,.0f} conversations/s")  # fmt: skip
    print(f"  webhook ingestion  before: p50 {baseline['p50']:.1f} ms p99 {baseline['p99']:.1f} ms "
          f"({baseline['n']:.0f});  during: p50 {ingest['p50']:.1f} ms p99 {ingest['p99']:.1f} ms "
          f"({ingest['n']:.0f})")  # fmt: skip
    return []


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
