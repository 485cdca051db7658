"""Order-status conversations per commerce platform, against stand-ins of their APIs.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/platforms.py
    [--platforms shopify,bigcommerce,woocommerce,woocommerce-host-limit] [--conversations 200]

For each platform: 5 stores, 200 conversations ("Hi, where is my order #N? My email is
..."), each one customer message answered by the agent pipeline (`run_turn`), WORKERS at
a time: with a cold order cache (orders never seen), a warm one (just answered), and a
stale one (seen before, e.g. by the install's backfill, but past the freshness bound).
Every stand-in runs in this process behind respx (no network) and enforces its platform's
documented rate limit: Shopify's cost bucket (standard plan: 1000 points, 100 points/s),
BigCommerce's request quota (Standard/Plus: 150 requests per 30 s window, X-Rate-Limit-*
headers, 429 when spent). WooCommerce core documents no REST limit; the extra row
`woocommerce-host-limit` puts a host in front that answers 429 without headers above
HOST_LIMIT requests per second (as many WAFs do): an assumption about hosting, reported,
not a target. The one table compares, per platform and phase: conversations resolved (the
reply gives the tracking number), API requests per resolved conversation, 429/THROTTLED
answers received, p95 and median turn.

Targets: at most 1 request per resolved conversation on average with a cold or stale
cache, none with a fresh one, no throttled answers. A missed target is listed and exits 1.
BigCommerce keeps a shipped order's tracking numbers only in its shipments sub-resource,
which no include brings, so a never-seen shipped order costs 2 requests there (see
NOTES); the target is reported as missed rather than bent.

A platform plugs in with a runner in PLATFORMS: `stores(run_id, router, count)` builds its
stand-ins and stores, `counters()` says how many requests and throttled answers its
stand-ins saw, `forget(redis, run_id)` removes its Redis keys.

Runs in a throw-away test database; touches only its own Redis keys.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: not what production runs
os.environ["AGENT_LLM_PROVIDER"] = ""  # the built-in understanding: no network

from _conversations import (  # noqa: E402 (after the environment it reads)
    order_status_jobs,
    resolved_count,
    run_phase,
    throwaway_database,
)

STORES = 5
CONVERSATIONS = 200
WORKERS = 40
HOST_LIMIT = 5  # requests per second per WooCommerce store, for that row only
WOO_KEY, WOO_SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40
NOTES = {
    "bigcommerce": (
        "cold: GET /v2/orders/{id}?include=consignments.line_items brings the order, its"
        " products and shipping addresses; a shipped order's tracking numbers need"
        " /v2/orders/{id}/shipments too, so 2 requests per never-seen shipped order"
    ),
    "woocommerce-host-limit": f"a host answering 429 above {HOST_LIMIT} req/s (assumed)",
}


class PlatformRunner(Protocol):
    name: str
    targets: bool  # False: a row reported for comparison, its misses not counted

    def stores(self, run_id: str, router: Any, count: int) -> list[Any]: ...

    def counters(self) -> tuple[int, int]: ...

    def forget(self, redis: Any, run_id: str) -> None: ...


# ---------------------------------------------------------------- platforms


def _install(platform: str, domain: str, token: str) -> Any:
    from apps.stores.services import TokenSet, store_install

    return store_install(platform=platform, domain=domain, tokens=TokenSet(access_token=token))


def _forget(redis: Any, pattern: str) -> None:
    for key in redis.scan_iter(pattern):
        redis.delete(key)


class ShopifyRunner:
    name = "shopify"
    targets = True

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

    def forget(self, redis: Any, run_id: str) -> None:
        _forget(redis, f"*bench-{run_id}-*")


class BigCommerceRunner:
    name = "bigcommerce"
    targets = True

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

    def forget(self, redis: Any, run_id: str) -> None:
        _forget(redis, f"*b{run_id}*")


class HostLimit:
    """A host's fixed one-second window in front of a stand-in: 429 without headers."""

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


class WooCommerceRunner:
    """The demo's #1001 (a UPS parcel in transit) as every customer's order. Connecting
    reads the catalogue's product tags before anyone asks (not counted in the phases)."""

    name = "woocommerce"
    targets = True
    host_limit: int | None = None

    def __init__(self) -> None:
        self.shops: list[Any] = []
        self.store_ids: list[int] = []

    def stores(self, run_id: str, router: Any, count: int) -> list[Any]:
        from apps.integrations.commerce.woocommerce.client import WooClient
        from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
        from apps.integrations.commerce.woocommerce.lookups import OrderReads
        from apps.stores.models import Platform, Store, StoreSettings, StoreStatus

        stores = []
        for s in range(STORES):
            domain = f"bench-{run_id}-{self.name}-{s}.example"
            shop = self._stand_in(domain, count)
            shop.mount(router)
            self.shops.append(shop)
            store = Store.objects.create(
                platform=Platform.WOOCOMMERCE,
                domain=domain,
                name=domain,
                status=StoreStatus.INSTALLED,
                access_token=key_pair_pack(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET),
            )
            StoreSettings.objects.create(store=store, **_demo_settings())
            self.store_ids.append(store.pk)
            client = WooClient(store)
            OrderReads(store, client).product_tags_warm()
            client.close()
            stores.append(store)
        return stores

    def _stand_in(self, domain: str, orders: int) -> Any:
        import httpx

        from apps.integrations.commerce.demo import data
        from standins.woocommerce import WooStandIn
        from standins.woocommerce.build import WooIds, add_order, add_product

        shop = WooStandIn(domain, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)
        for spec in data.PRODUCTS:
            add_product(shop, spec)
        template = data.demo_orders(datetime.now(UTC))[0]
        for n in range(orders):
            info = replace(template, email=f"c{n}@example.com", customer_id="")
            add_order(shop, info, WooIds(), number=1001 + n)
        if self.host_limit is not None:
            limit, handle = HostLimit(self.host_limit), shop.handle

            def limited(request: httpx.Request) -> httpx.Response:
                if not limit.allow():
                    with shop._lock:
                        shop.requests += 1
                        shop.throttled += 1
                    return httpx.Response(
                        429, json={"code": "too_many_requests", "message": "Slow down."}
                    )
                return handle(request)

            shop.handle = limited
        return shop

    def counters(self) -> tuple[int, int]:
        return sum(s.requests for s in self.shops), sum(s.throttled for s in self.shops)

    def forget(self, redis: Any, run_id: str) -> None:
        for pk in self.store_ids:
            _forget(redis, f"woo:*:{pk}:*")
            redis.delete(f"woo:query-auth:{pk}")


class WooCommerceHostLimitRunner(WooCommerceRunner):
    name = "woocommerce-host-limit"
    targets = False
    host_limit = HOST_LIMIT


def _demo_settings() -> dict[str, Any]:
    from apps.integrations.commerce.demo import data

    return dict(data.SETTINGS)


PLATFORMS: dict[str, Callable[[], PlatformRunner]] = {
    "shopify": ShopifyRunner,
    "bigcommerce": BigCommerceRunner,
    "woocommerce": WooCommerceRunner,
    "woocommerce-host-limit": WooCommerceHostLimitRunner,
}


# ---------------------------------------------------------------- the conversations


def _age_snapshots(stores: list[Any]) -> None:
    """Every order answered before, its snapshot past the freshness bound: the state of
    an order the install's backfill (or an old conversation) read, unchanged since."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.orders.models import Order

    Order.objects.filter(store__in=stores).update(synced_at=timezone.now() - timedelta(days=2))


def run_platform(runner: PlatformRunner, run_id: str, router: Any, total: int) -> dict[str, Any]:
    stores = runner.stores(run_id, router, total // STORES)
    jobs = order_status_jobs(stores, total)
    results: dict[str, Any] = {}
    for phase in ("cold cache", "warm cache", "seen, stale cache"):
        if phase == "seen, stale cache":
            _age_snapshots(stores)
        results[phase] = run_phase(jobs, counters=runner.counters, workers=WORKERS)
    return results


def missed_targets(report: dict[str, Any]) -> list[str]:
    missed = []
    for platform, phases in report["platforms"].items():
        if platform not in report["targets_apply"]:
            continue
        cold, warm, stale = phases["cold cache"], phases["warm cache"], phases["seen, stale cache"]
        if stale["api_calls_per_resolved_conversation"] > 1.0:
            missed.append(f"{platform}: more than one API call per conversation on a seen order")
        if cold["api_calls_per_resolved_conversation"] > 1.0:
            missed.append(f"{platform}: more than one API call per resolved conversation (cold)")
        answered, asked = resolved_count(cold)
        # Only the orders no cold turn managed to read may cost requests, at what a cold
        # read of one order costs on this platform.
        per_order = cold["api_calls"] / max(1, answered)
        if warm["api_calls"] > (asked - answered) * per_order + 0.5:
            missed.append(f"{platform}: API calls for orders already in a fresh cache (warm)")
        if any(p["throttled_responses"] for p in (cold, warm, stale)):
            missed.append(f"{platform}: throttled answers in conversations")
    return missed


def table(report: dict[str, Any]) -> str:
    """The per-platform comparison, one row per platform and phase."""
    head = f"{'platform':<24} {'phase':<18} {'resolved':>9} {'calls/conv':>10} "
    head += f"{'429s':>5} {'p95 s':>7} {'median s':>8}"
    rows = [head, "-" * len(head)]
    for platform, phases in report["platforms"].items():
        for phase, f in phases.items():
            rows.append(
                f"{platform:<24} {phase:<18} {f['resolved']:>9} "
                f"{f['api_calls_per_resolved_conversation']:>10} {f['throttled_responses']:>5} "
                f"{f['p95_turn_seconds']:>7} {f['median_turn_seconds']:>8}"
            )
    return "\n".join(rows)


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

    from apps.core.redis import get_redis

    run_id = f"{int(time.time())}"
    names = [n for n in args.platforms.split(",") if n]
    runners = [PLATFORMS[name]() for name in names]
    report: dict[str, Any] = {
        "conversations_per_platform": args.conversations,
        "through": "agent pipeline (run_turn)",
        "targets_apply": [r.name for r in runners if r.targets],
        "platforms": {},
        "notes": {n: NOTES[n] for n in names if n in NOTES},
    }
    with throwaway_database("bench_platforms"):
        try:
            with respx.mock(assert_all_called=False) as router:
                for runner in runners:
                    figures = run_platform(runner, run_id, router, args.conversations)
                    report["platforms"][runner.name] = figures
                    print(json.dumps({runner.name: figures}), file=sys.stderr, flush=True)
        finally:
            redis = get_redis()
            for runner in runners if redis is not None else []:
                runner.forget(redis, run_id)
    report["missed_targets"] = missed_targets(report)
    print(table(report), file=sys.stderr)
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["missed_targets"] else 0)


if __name__ == "__main__":
    main()
