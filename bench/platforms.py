"""Order-status conversations per commerce platform, against stand-ins of their APIs.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/platforms.py
    [--platforms shopify,bigcommerce] [--conversations 200]

For each platform: 5 stores, 200 conversations ("Hi, where is my order #N? My email is
..."), each one customer message answered by the agent pipeline (`run_turn`), 40 at a
time: with a cold order cache (orders never seen), a warm one (just answered), and a
stale one (seen before, e.g. by the install's backfill, but past the freshness bound).
Every platform's stand-in runs in this process behind respx and enforces its documented
rate limit: Shopify's cost bucket
(standard plan: 1000 points, 100 points/s), BigCommerce's request quota (Standard/Plus:
150 requests per 30 s window, X-Rate-Limit-* headers, 429 when spent). Reported per
platform and phase: conversations resolved (the reply gives the tracking number), API
requests per resolved conversation, 429/THROTTLED answers received, p95 and median turn.
Targets: at most 1 request per resolved conversation on average with a cold or stale
cache, none with a fresh one, no throttled answers. A missed target is listed and exits 1.

A platform plugs in with a runner in PLATFORMS: `stores(run_id, router, count)` builds
its stand-ins and stores, `counters()` says how many requests and throttled answers its
stand-ins saw.

Runs in a throw-away test database; touches only its own Redis keys.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: not what production runs
os.environ["AGENT_LLM_PROVIDER"] = ""  # the built-in understanding: no network

STORES = 5
CONVERSATIONS = 200
WORKERS = 40


class PlatformRunner(Protocol):
    name: str

    def stores(self, run_id: str, router: Any, count: int) -> list[Any]: ...

    def counters(self) -> tuple[int, int]: ...


# ---------------------------------------------------------------- platforms


class ShopifyRunner:
    name = "shopify"

    def __init__(self) -> None:
        self.simulators: list[Any] = []

    def stores(self, run_id: str, router: Any, count: int) -> list[Any]:
        from standins.shopify.build import synthetic_orders
        from standins.shopify.simulator import ShopSimulator

        stores = []
        for s in range(STORES):
            domain = f"bench-{run_id}-{s}.myshopify.com"
            sim = ShopSimulator(domain, maximum=1000.0, restore_rate=100.0)
            synthetic_orders(
                sim.shop,
                count,
                now=datetime.now(UTC),
                base=10 + s,
                ship_all=True,
                email=lambda n: f"c{n}@example.com",
            )
            sim.mount(router)
            self.simulators.append(sim)
            stores.append(_install("shopify", domain, "shpat_bench"))
        return stores

    def counters(self) -> tuple[int, int]:
        return (
            sum(s.requests for s in self.simulators),
            sum(s.throttled for s in self.simulators),
        )


class BigCommerceRunner:
    name = "bigcommerce"

    def __init__(self) -> None:
        self.standins: list[Any] = []

    def stores(self, run_id: str, router: Any, count: int) -> list[Any]:
        from standins.bigcommerce.api import BigCommerceStandIn
        from standins.bigcommerce.build import synthetic_orders

        stores = []
        for s in range(STORES):
            store_hash = f"b{run_id}{s}"
            standin = BigCommerceStandIn(store_hash, token="bc_bench", quota=150, window_ms=30_000)
            synthetic_orders(
                standin, count, now=datetime.now(UTC), email=lambda n: f"c{n}@example.com"
            )
            standin.mount(router)
            self.standins.append(standin)
            domain = f"store-{store_hash}.mybigcommerce.com"
            stores.append(_install("bigcommerce", domain, "bc_bench"))
        return stores

    def counters(self) -> tuple[int, int]:
        return (
            sum(s.requests for s in self.standins),
            sum(s.throttled for s in self.standins),
        )


PLATFORMS: dict[str, Callable[[], PlatformRunner]] = {
    "shopify": ShopifyRunner,
    "bigcommerce": BigCommerceRunner,
}


# ---------------------------------------------------------------- the conversations


def _install(platform: str, domain: str, token: str) -> Any:
    from apps.stores.services import TokenSet, store_install

    return store_install(platform=platform, domain=domain, tokens=TokenSet(access_token=token))


def _agent_turn(store: Any, number: int, email: str) -> bool:
    """One customer message through the agent pipeline; True when the reply tracks it."""
    from apps.agent.pipeline import run_turn
    from apps.conversations.models import Message, MessageRole
    from apps.conversations.services import conversation_start
    from apps.integrations.commerce.base import TransientCommerceError

    conversation = conversation_start(store)
    # What message_add_customer saves, without enqueueing the task that would answer it.
    message = Message.objects.create(
        store_id=store.pk,
        conversation=conversation,
        role=MessageRole.CUSTOMER,
        text=f"Hi, where is my order #{number}? My email is {email}",
    )
    try:
        result = run_turn(message)
    except TransientCommerceError:
        return False  # the customer is told we are still checking; no answer yet
    text = result.reply.text if result.reply is not None else ""
    return "1Z" in text and not result.escalated


def _age_snapshots(stores: list[Any]) -> None:
    """Every order answered before, its snapshot past the freshness bound: the state of
    an order the install's backfill (or an old conversation) read, unchanged since."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.orders.models import Order

    Order.objects.filter(store__in=stores).update(synced_at=timezone.now() - timedelta(days=2))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def run_platform(runner: PlatformRunner, run_id: str, router: Any, total: int) -> dict[str, Any]:
    from django.db import connection

    per_store = total // STORES
    stores = runner.stores(run_id, router, per_store)
    jobs = [
        (stores[i % STORES], 1001 + i // STORES, f"c{i // STORES}@example.com")
        for i in range(total)
    ]
    random.Random(7).shuffle(jobs)

    def turn(job: tuple[Any, int, str]) -> tuple[float, bool]:
        store, number, email = job
        started = time.perf_counter()
        try:
            resolved = _agent_turn(store, number, email)
        finally:
            connection.close()
        return time.perf_counter() - started, resolved

    results: dict[str, Any] = {}
    for phase in ("cold cache", "warm cache", "seen, stale cache"):
        if phase == "seen, stale cache":
            _age_snapshots(stores)
        calls_before, throttled_before = runner.counters()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = list(pool.map(turn, jobs))
        calls, throttled = runner.counters()
        resolved = sum(1 for _, ok in outcomes if ok)
        results[phase] = {
            "resolved": f"{resolved}/{total}",
            "api_calls": calls - calls_before,
            "api_calls_per_resolved_conversation": round(
                (calls - calls_before) / max(1, resolved), 3
            ),
            "throttled_responses": throttled - throttled_before,
            "p95_turn_seconds": round(_p95([t for t, _ in outcomes]), 3),
            "median_turn_seconds": round(statistics.median(t for t, _ in outcomes), 3),
            "wall_seconds": round(time.perf_counter() - started, 1),
        }
    return results


def missed_targets(report: dict[str, Any]) -> list[str]:
    missed = []
    for platform, phases in report["platforms"].items():
        cold, warm, stale = phases["cold cache"], phases["warm cache"], phases["seen, stale cache"]
        if stale["api_calls_per_resolved_conversation"] > 1.0:
            missed.append(f"{platform}: more than one API call per conversation on a seen order")
        if cold["api_calls_per_resolved_conversation"] > 1.0:
            missed.append(f"{platform}: more than one API call per resolved conversation (cold)")
        answered, asked = (int(n) for n in cold["resolved"].split("/"))
        # Only the orders no cold turn managed to read may cost requests, at what a cold
        # read of one order costs on this platform.
        per_order = cold["api_calls"] / max(1, answered)
        if warm["api_calls"] > (asked - answered) * per_order + 0.5:
            missed.append(f"{platform}: API calls for orders already in a fresh cache (warm)")
        if any(p["throttled_responses"] for p in (cold, warm, stale)):
            missed.append(f"{platform}: throttled answers in conversations")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platforms", default=",".join(PLATFORMS))
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    import respx
    from django.db import connection
    from django.test.utils import setup_test_environment

    from apps.core.redis import get_redis

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_platforms_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    run_id = f"{int(time.time())}"
    report: dict[str, Any] = {"conversations_per_platform": args.conversations, "platforms": {}}
    try:
        with respx.mock(assert_all_called=False) as router:
            for name in args.platforms.split(","):
                runner = PLATFORMS[name]()
                report["platforms"][name] = run_platform(runner, run_id, router, args.conversations)
                print(json.dumps({name: report["platforms"][name]}), file=sys.stderr, flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis = get_redis()
        if redis is not None:
            for pattern in (f"*bench-{run_id}-*", f"*b{run_id}*"):
                for key in redis.scan_iter(pattern):
                    redis.delete(key)
    report["missed_targets"] = missed_targets(report)
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["missed_targets"] else 0)


if __name__ == "__main__":
    main()
