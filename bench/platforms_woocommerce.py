"""WooCommerce order-status benchmark against the stateful stand-in of its REST API.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N \
        .venv/bin/python bench/platforms_woocommerce.py

The WooCommerce runner of the per-platform comparison (bench/shopify.py measures Shopify
the same way): 200 order-status conversations across 5 stores ("Where is my order #N? My
email is ..."), each a customer message answered by the agent pipeline
(`apps.agent.pipeline.run_turn`), WORKERS at a time. Resolved = a reply that gives the
parcel's tracking number.

Phases, all in one run:
- baseline: the order snapshot switched off (WOOCOMMERCE_ORDER_CACHE_SECONDS=0), every
  read goes to the store;
- cold cache: an empty order snapshot, as right after connecting (the connect task has
  read the catalogue's product tags: its calls are reported as `connect_calls`);
- warm cache: the same questions again (webhooks and the poll keep the snapshot fresh);
- host limit: cold again against stores whose host answers 429 (no Retry-After, as many
  WAFs do) above HOST_LIMIT requests per second. WooCommerce core documents no REST rate
  limit, so this limit is an assumption about hosting, not a platform figure.

Figures: API calls per resolved conversation, 429s received, p95 and median turn time,
and each phase's ratio to the baseline. The stand-in sits behind respx in this process
(no network). Runs in a throw-away test database; touches only its own Redis keys.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"
os.environ["AGENT_LLM_PROVIDER"] = ""

STORES = 5
CONVERSATIONS = 200
WORKERS = 8
HOST_LIMIT = 5  # requests per second per store, for the "host limit" phase only
TRACKING = "1Z999AA10123456784"
KEY, SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40


class HostLimit:
    """A host's fixed one-second window in front of the stand-in: 429 without headers."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._window = 0
        self._count = 0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = int(time.monotonic())
            if now != self._window:
                self._window, self._count = now, 0
            self._count += 1
            return self._count <= self.per_second


def _stand_in(domain: str, orders: int, now: Any, limit: HostLimit | None) -> Any:
    import httpx

    from apps.integrations.commerce.demo import data
    from standins.woocommerce import WooStandIn
    from standins.woocommerce.build import WooIds, add_order, add_product

    shop = WooStandIn(domain, consumer_key=KEY, consumer_secret=SECRET)
    for spec in data.PRODUCTS:
        add_product(shop, spec)
    template = data.demo_orders(now)[0]  # Jane's #1001, UPS in transit
    for n in range(orders):
        info = replace(template, email=f"c{n}@example.com", customer_id="")
        add_order(shop, info, WooIds(), number=1001 + n)
    if limit is not None:
        handle = shop.handle

        def limited(request: httpx.Request) -> httpx.Response:
            if not limit.allow():
                with shop._lock:
                    shop.requests += 1
                    shop.throttled += 1
                return httpx.Response(
                    429, json={"code": "too_many_requests", "message": "Slow down."}
                )
            return handle(request)

        shop.handle = limited  # type: ignore[method-assign]
    return shop


def _store(domain: str) -> Any:
    from apps.integrations.commerce.demo import data
    from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
    from apps.stores.models import Platform, Store, StoreSettings, StoreStatus

    store = Store.objects.create(
        platform=Platform.WOOCOMMERCE,
        domain=domain,
        name=domain,
        status=StoreStatus.INSTALLED,
        access_token=key_pair_pack(consumer_key=KEY, consumer_secret=SECRET),
    )
    StoreSettings.objects.create(store=store, **data.SETTINGS)
    return store


def _turn(store: Any, number: int, email: str) -> bool:
    from apps.agent.pipeline import run_turn
    from apps.conversations.models import Message, MessageRole
    from apps.conversations.services import conversation_start
    from apps.integrations.commerce.base import TransientCommerceError

    conversation = conversation_start(store)
    message = Message.objects.create(
        store_id=store.pk,
        conversation=conversation,
        role=MessageRole.CUSTOMER,
        text=f"Hi, where is my order #{number}? My email is {email}",
    )
    try:
        result = run_turn(message)
    except TransientCommerceError:
        return False  # the task would retry; for this turn there is no answer yet
    text = result.reply.text if result.reply is not None else ""
    return TRACKING in text and not result.escalated


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


@contextmanager
def _world(run_id: str, phase: str, limit: int | None) -> Iterator[tuple[list[Any], list[Any]]]:
    import respx
    from django.utils import timezone

    per_store = CONVERSATIONS // STORES
    now = timezone.now()
    shops, stores = [], []
    with respx.mock(assert_all_called=False) as router:
        for s in range(STORES):
            domain = f"bench-{run_id}-{phase}-{s}.example"
            shop = _stand_in(domain, per_store, now, HostLimit(limit) if limit else None)
            shop.mount(router)
            shops.append(shop)
            stores.append(_store(domain))
        yield shops, stores


def phase(shops: list[Any], stores: list[Any]) -> dict[str, Any]:
    from django.db import connection

    per_store = CONVERSATIONS // STORES
    jobs = [
        (stores[i % STORES], 1001 + i // STORES, f"c{i // STORES}@example.com")
        for i in range(CONVERSATIONS)
    ]
    random.Random(7).shuffle(jobs)
    assert len(jobs) == per_store * STORES

    def turn(job: tuple[Any, int, str]) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            resolved = _turn(*job)
        finally:
            connection.close()
        return time.perf_counter() - started, resolved

    calls_before = sum(s.requests for s in shops)
    throttled_before = sum(s.throttled for s in shops)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(turn, jobs))
    calls = sum(s.requests for s in shops) - calls_before
    resolved = sum(1 for _, ok in outcomes if ok)
    return {
        "resolved": f"{resolved}/{CONVERSATIONS}",
        "api_calls_per_resolved_conversation": round(calls / max(1, resolved), 3),
        "responses_429": sum(s.throttled for s in shops) - throttled_before,
        "p95_turn_seconds": round(_p95([t for t, _ in outcomes]), 3),
        "median_turn_seconds": round(statistics.median(t for t, _ in outcomes), 3),
    }


def _connect(shops: list[Any], stores: list[Any]) -> int:
    """What the connect task reads before any customer asks (the catalogue's tags)."""
    from apps.integrations.commerce.woocommerce.client import WooClient
    from apps.integrations.commerce.woocommerce.lookups import OrderReads

    before = sum(s.requests for s in shops)
    for store in stores:
        client = WooClient(store)
        OrderReads(store, client).product_tags_warm()
        client.close()
    return sum(s.requests for s in shops) - before


def _ratios(report: dict[str, Any]) -> None:
    base = report["baseline"]
    for name in ("cold cache", "warm cache", "host limit"):
        entry = report.get(name)
        if not entry:
            continue
        calls = base["api_calls_per_resolved_conversation"]
        entry["calls_vs_baseline"] = (
            round(entry["api_calls_per_resolved_conversation"] / calls, 3) if calls else None
        )
        entry["p95_vs_baseline"] = round(entry["p95_turn_seconds"] / base["p95_turn_seconds"], 3)


def missed_targets(report: dict[str, Any]) -> list[str]:
    """At most 1 API call per resolved conversation cold, none warm, no 429 (without a host
    limit), every conversation resolved."""
    missed = []
    cold, warm = report["cold cache"], report["warm cache"]
    if cold["api_calls_per_resolved_conversation"] > 1.0:
        missed.append("more than one API call per resolved conversation (cold cache)")
    if warm["api_calls_per_resolved_conversation"] > 0:
        missed.append("API calls for orders already in a fresh snapshot (warm cache)")
    for name in ("baseline", "cold cache", "warm cache"):
        if report[name]["responses_429"]:
            missed.append(f"429s in the {name} phase")
        if report[name]["resolved"] != f"{CONVERSATIONS}/{CONVERSATIONS}":
            missed.append(f"unresolved conversations in the {name} phase")
    return missed


def main() -> None:
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    from apps.core.redis import get_redis

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_woo_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    run_id = f"{int(time.time())}"
    store_ids: list[int] = []
    report: dict[str, Any] = {"platform": "woocommerce", "through": "agent pipeline (run_turn)"}
    try:
        with (
            override_settings(WOOCOMMERCE_ORDER_CACHE_SECONDS=0),
            _world(run_id, "base", None) as world,
        ):
            store_ids.extend(s.pk for s in world[1])
            report["baseline"] = phase(*world)
        with _world(run_id, "cache", None) as world:
            store_ids.extend(s.pk for s in world[1])
            report["connect_calls"] = _connect(*world)
            report["cold cache"] = phase(*world)
            report["warm cache"] = phase(*world)
        with _world(run_id, "limit", HOST_LIMIT) as world:
            store_ids.extend(s.pk for s in world[1])
            _connect(*world)
            report["host limit"] = phase(*world) | {"host_limit_per_second": HOST_LIMIT}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis = get_redis()
        for pk in store_ids if redis is not None else []:
            for key in redis.scan_iter(f"woo:*:{pk}:*"):  # type: ignore[union-attr]
                redis.delete(key)  # type: ignore[union-attr]
            redis.delete(f"woo:query-auth:{pk}")  # type: ignore[union-attr]
    _ratios(report)
    report["missed_targets"] = missed_targets(report)
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["missed_targets"] else 0)


if __name__ == "__main__":
    main()
