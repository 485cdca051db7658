"""The data-at-scale parts of bench/dashboard.py: rollups, EXPLAIN checks of the
hot queries, webhook events to purge, and retention measured against webhook ingestion.

Imported by bench/dashboard.py after Django is set up; not part of the test suite.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

WEBHOOK_PATH = "/webhooks/shopify"
INGEST_BASELINE = 300
# Big tables a hot query must never scan whole.
BIG_TABLES = (
    "conversations_conversation",
    "conversations_message",
    "conversations_agentaction",
    "webhooks_webhookevent",
)


# ---------------------------------------------------------------- rollups


def build_rollups(store_id: int) -> tuple[int, float]:
    """Roll up every past day (what the nightly heal and backfill command do); (days, s)."""
    from django.utils import timezone

    from apps.dashboard.analytics.rollups import local_today, rollup_refresh
    from apps.stores.models import Store

    store = Store.objects.select_related("settings").get(pk=store_id)
    now = timezone.now()
    today = local_today(store, now)
    started = time.perf_counter()
    days = rollup_refresh(store, today - timedelta(days=400), today, now=now)
    return days, time.perf_counter() - started


# ---------------------------------------------------------------- EXPLAIN


def hot_queries(store_id: int) -> dict[str, Any]:
    """The querysets of the hot paths, built by the very functions the code runs."""
    from django.utils import timezone

    from apps.agent.tasks import SWEEP_BATCH, unanswered_messages
    from apps.billing.usage import CANDIDATES, LOOKBACK, unbilled_candidates
    from apps.conversations.models import ConversationStatus
    from apps.conversations.retention import expired_conversations, retention_cutoff
    from apps.dashboard.selectors import inbox
    from apps.dashboard.selectors.inbox import InboxFilters, conversations_filtered
    from apps.stores.models import Store
    from apps.webhooks.maintenance import pending_passed_over, retries_due, stale_processing
    from apps.webhooks.retention import expired_events

    store = Store.objects.get(pk=store_id)
    now = timezone.now()
    return {
        "inbox poll (anything changed?)": _Raw(
            inbox._VERSION_SQL.format(table="conversations_conversation"),
            {"store": store.pk, "cap": inbox.COUNT_CAP + 1},
        ),
        "inbox (first page)": conversations_filtered(store, InboxFilters())[:25],
        "inbox status=escalated": conversations_filtered(
            store, InboxFilters(status=ConversationStatus.ESCALATED)
        )[:25],
        "inbox intent=refund_request": conversations_filtered(
            store, InboxFilters(intent="refund_request")
        )[:25],
        "inbox needs approval": conversations_filtered(store, InboxFilters(needs_approval=True))[
            :25
        ],
        "unanswered-message sweep": unanswered_messages(now)[:SWEEP_BATCH],
        "pending-webhook sweep": pending_passed_over(now).order_by("pk")[:SWEEP_BATCH],
        "webhook retries sweep": retries_due(now).order_by("pk")[:SWEEP_BATCH],
        "webhook stale-claim sweep": stale_processing(now).order_by("pk")[:SWEEP_BATCH],
        "billing charge sweep (candidates)": unbilled_candidates(store, since=now - LOOKBACK)[
            :CANDIDATES
        ],
        "rollup sweep": Q_changed(now),
        "analytics actions (today)": _actions_today(store, now),
        "webhook retention": expired_events()[:500],
        "conversation retention": expired_conversations(store, retention_cutoff(store, now))[:50],
    }


class _Raw:
    """A raw statement the code runs, explained like a queryset."""

    def __init__(self, sql: str, params: dict[str, Any]) -> None:
        self.sql, self.params = sql, params

    def explain(self, *, analyze: bool = False) -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {'ANALYZE ' if analyze else ''}{self.sql}", self.params)
            return "\n".join(row[0] for row in cursor.fetchall())


def _actions_today(store: Any, now: datetime) -> Any:
    from apps.dashboard.analytics.actions import executed_actions
    from apps.dashboard.analytics.results import DateRange

    today = now.date()
    return executed_actions(store, DateRange(today, today, store.zone)).values("day", "kind")


def Q_changed(now: datetime) -> Any:  # noqa: N802
    from django.db.models import Q

    from apps.billing.resolution import QUIET_PERIOD
    from apps.conversations.models import Conversation

    since = now - timedelta(hours=2)
    return Conversation.objects.filter(
        Q(updated_at__gt=since)
        | Q(last_message_at__gt=since)
        | Q(last_message_at__gt=since - QUIET_PERIOD, last_message_at__lte=now - QUIET_PERIOD),
        created_at__lt=now - timedelta(hours=1),
    ).values_list("store_id", "created_at")


# A sequential scan stopped early by a LIMIT reads a few rows (the capped inbox count on a
# store that owns the whole table); one that reads this many is reading the table.
SEQ_SCAN_ROWS = 100_000
_SEQ_SCAN = re.compile(r"Seq Scan on (\w+).*actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)")
_REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")


def explain_checks(store_id: int) -> list[tuple[str, float, str]]:
    """(query, ms, problem or "") per hot query: EXPLAIN ANALYZE, no big table read whole."""
    results = []
    for name, queryset in hot_queries(store_id).items():
        plan = queryset.explain(analyze=True)
        scans = [f"{t} ({n:,} rows)" for t, n in _seq_scanned(plan) if n >= SEQ_SCAN_ROWS]
        ms = _execution_ms(plan)
        results.append((name, ms, f"sequential scan of {', '.join(scans)}" if scans else ""))
    return results


def _seq_scanned(plan: str) -> list[tuple[str, int]]:
    """(big table, rows read) of each sequential scan in an EXPLAIN ANALYZE plan."""
    lines = plan.splitlines()
    found = []
    for n, line in enumerate(lines):
        scan = _SEQ_SCAN.search(line)
        if scan is None or scan.group(1) not in BIG_TABLES:
            continue
        removed = _REMOVED.search(lines[n + 1]) if n + 1 < len(lines) else None
        rows = int(scan.group(2)) + (int(removed.group(1)) if removed else 0)
        found.append((scan.group(1), rows * int(scan.group(3))))
    return found


def _execution_ms(plan: str) -> float:
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return float("nan")


# ---------------------------------------------------------------- webhook events


def copy_old_webhook_events(count: int, days_ago: int = 30) -> int:
    """`count` processed events received `days_ago` days ago (to be purged) via COPY."""
    from django.db import connection

    received = datetime.now(tz=UTC) - timedelta(days=days_ago)
    payload = json.dumps({"id": 1, "name": "#1001", "line_items": [{"id": 1, "quantity": 1}]})
    columns = ("provider, shop_domain, topic, event_id, webhook_id, api_version, payload, "
               "received_at, status, attempts, last_error, note, processed_at")  # fmt: skip
    with connection.cursor() as cursor:
        with (
            cursor.connection.cursor() as raw,
            raw.copy(f"COPY webhooks_webhookevent ({columns}) FROM STDIN") as copy,
        ):
            for n in range(count):
                at = received - timedelta(seconds=n)
                copy.write_row((
                    "shopify", "old-shop.myshopify.com", "orders/updated", f"old-{n}",
                    f"old-{n}", "2026-10", payload, at, "processed", 1, "", "", at,
                ))  # fmt: skip
        cursor.execute("ANALYZE webhooks_webhookevent")
    return count


def copy_stranded_webhook_events(count: int) -> int:
    """`count` pending events never handed to the broker (Redis was down while they
    arrived), as the pending-webhook sweep finds them after an outage, via COPY."""
    from django.db import connection

    received = datetime.now(tz=UTC) - timedelta(hours=1)
    payload = json.dumps({"id": 1, "name": "#1001", "line_items": [{"id": 1, "quantity": 1}]})
    columns = ("provider, shop_domain, topic, event_id, webhook_id, api_version, payload, "
               "received_at, status, attempts, last_error, note")  # fmt: skip
    with connection.cursor() as cursor:
        with (
            cursor.connection.cursor() as raw,
            raw.copy(f"COPY webhooks_webhookevent ({columns}) FROM STDIN") as copy,
        ):
            for n in range(count):
                copy.write_row((
                    "shopify", "old-shop.myshopify.com", "orders/updated", f"stranded-{n}",
                    f"stranded-{n}", "2026-10", payload, received + timedelta(milliseconds=n),
                    "pending", 0, "", "",
                ))  # fmt: skip
        cursor.execute("ANALYZE webhooks_webhookevent")
    return count


def _webhook(client: Any, shop: str, secret: str) -> float:
    body = json.dumps({"id": 820982911946154508, "name": "#9999", "line_items": []}).encode()
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": "orders/updated", "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": shop, "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(tz=UTC).isoformat(),
    }  # fmt: skip
    started = time.perf_counter()
    response = client.post(
        WEBHOOK_PATH, data=body, content_type="application/json", headers=headers
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"webhook answered {response.status_code}: {response.content[:200]!r}")
    return elapsed


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def ingestion(client: Any, shop: str, secret: str, count: int) -> dict[str, float]:
    samples = [_webhook(client, shop, secret) for _ in range(count)]
    return {"p50": statistics.median(samples), "p99": _p(samples, 0.99), "n": len(samples)}


_PURGE = """
import json, time, django
django.setup()
from apps.conversations.retention import conversations_purge
from apps.webhooks.retention import webhook_events_purge
started = time.perf_counter()
events = webhook_events_purge(budget_seconds=3600)
middle = time.perf_counter()
conversations = conversations_purge(budget_seconds=3600)
print(json.dumps({"events": [events.deleted, middle - started],
                  "conversations": [conversations.deleted, time.perf_counter() - middle]}))
"""


def retention_under_load(
    client: Any, shop: str, secret: str, store_id: int, keep_days: int
) -> dict[str, Any]:
    """Run both purges in another process (as a beat-scheduled worker would) while webhooks
    keep arriving here."""
    import os
    import subprocess
    import sys

    from apps.stores.models import StoreSettings

    StoreSettings.objects.update_or_create(
        store_id=store_id, defaults={"conversation_retention_days": keep_days}
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    worker = subprocess.Popen(
        [sys.executable, "-c", _PURGE], cwd=root, env=dict(os.environ), stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    samples = []
    while worker.poll() is None or len(samples) < INGEST_BASELINE:
        samples.append(_webhook(client, shop, secret))
    output, _ = worker.communicate()
    if worker.returncode != 0:
        raise SystemExit("the retention process failed")
    outcome: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    outcome["ingest"] = {"p50": statistics.median(samples), "p99": _p(samples, 0.99),
                         "n": len(samples)}  # fmt: skip
    return outcome


_EVENTS_PURGE = """
import json, time, django
django.setup()
from apps.webhooks.retention import webhook_events_purge
started = time.perf_counter()
events = webhook_events_purge(budget_seconds=3600)
print(json.dumps([events.deleted, time.perf_counter() - started]))
"""


def purge_pause_comparison(
    client: Any, shop: str, secret: str, count: int, pause: float, rounds: int = 2
) -> list[tuple[float, dict[str, float]]]:
    """(pause, figures) per purge of `count` old webhook events, alternating back-to-back
    batches (pause 0) and `pause`, while webhooks arrive here: ingestion p50/p99 and the
    purge's rows per second, on the same data size each time."""
    import os
    import subprocess
    import sys

    from apps.webhooks.models import WebhookEvent

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = []
    for _ in range(rounds):
        for seconds in (0.0, pause):
            WebhookEvent.objects.filter(event_id__startswith="old-").delete()
            copy_old_webhook_events(count)
            env = {**os.environ, "RETENTION_PAUSE_SECONDS": str(seconds)}
            worker = subprocess.Popen(
                [sys.executable, "-c", _EVENTS_PURGE], cwd=root, env=env,
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            samples = []
            while worker.poll() is None:
                samples.append(_webhook(client, shop, secret))
            output, _ = worker.communicate()
            if worker.returncode != 0 or not samples:
                raise SystemExit("the retention process failed")
            deleted, took = json.loads(output.strip().splitlines()[-1])
            results.append((seconds, {
                "p50": statistics.median(samples), "p99": _p(samples, 0.99),
                "n": len(samples), "rows_per_s": deleted / max(took, 1e-9),
            }))  # fmt: skip
    return results
