"""Shopify provider benchmark against a local stand-in of the GraphQL Admin API.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/shopify.py

The stand-in (tests/integrations/shopify/simulator.py behind a threaded HTTP server on
127.0.0.1) enforces Shopify's cost-based leaky bucket and answers in documented shapes,
THROTTLED included. Part 1: 200 order-status conversations across 5 shops (standard
plan: bucket 1000, restore 100 points/s), each a find_order + get_tracking through the
provider, run concurrently (WORKERS threads), first with a cold then with a warm cache.
Part 2: the order backfill of 2,000 and 10,000 orders, peak Python memory by tracemalloc.
The backfill's speed is set by the restore rate (points/s); it runs here at
BACKFILL_RESTORE_RATE and the standard-plan time is projected from the points used.
Runs in a throw-away test database; touches only its own Redis keys.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")

SHOPS = 5
CONVERSATIONS = 200
WORKERS = 40
STANDARD_MAX, STANDARD_RATE = 1000.0, 100.0


class _Handler(BaseHTTPRequestHandler):
    simulators: dict[str, Any] = {}

    def do_POST(self) -> None:  # noqa: N802
        shop = self.path.strip("/").split("/", 1)[0]
        sim = self.simulators.get(shop)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if sim is None or not self.headers.get("X-Shopify-Access-Token"):
            self.send_response(401)
            self.end_headers()
            return
        payload = json.dumps(sim.handle(body)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def _serve() -> tuple[ThreadingHTTPServer, int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _setup_django(port: int) -> None:
    os.environ["SHOPIFY_ADMIN_URL_TEMPLATE"] = (
        f"http://127.0.0.1:{port}/{{shop}}/admin/api/{{version}}/graphql.json"
    )
    import django

    django.setup()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _make_store(domain: str) -> Any:
    from apps.stores.models import Platform, Store
    from apps.stores.services import TokenSet, store_install

    store: Store = store_install(
        platform=Platform.SHOPIFY, domain=domain, tokens=TokenSet(access_token="shpat_bench")
    )
    return store


def conversations(run_id: str) -> dict[str, Any]:
    from django.db import connection

    from apps.integrations.commerce.base import TransientCommerceError
    from apps.integrations.commerce.shopify.provider import ShopifyCommerceProvider
    from tests.integrations.shopify import fakeshop
    from tests.integrations.shopify.simulator import ShopSimulator

    stores, per_shop = [], CONVERSATIONS // SHOPS
    for s in range(SHOPS):
        domain = f"bench-{run_id}-{s}.myshopify.com"
        sim = ShopSimulator(maximum=STANDARD_MAX, restore_rate=STANDARD_RATE)
        for n in range(per_shop):
            sim.add_order(
                fakeshop.order(1001 + n, oid=(s + 1) * 100000 + n, email=f"c{n}@example.com")
            )
        _Handler.simulators[domain] = sim
        stores.append(_make_store(domain))
    jobs = [
        (stores[i % SHOPS], 1001 + i // SHOPS, f"c{i // SHOPS}@example.com")
        for i in range(CONVERSATIONS)
    ]
    random.Random(7).shuffle(jobs)

    def turn(job: tuple[Any, int, str]) -> tuple[float, bool]:
        store, number, email = job
        started = time.perf_counter()
        provider = ShopifyCommerceProvider(store)
        try:
            order = provider.find_order(f"#{number}", email=email)
            resolved = order is not None and bool(provider.get_tracking(order.id))
        except TransientCommerceError:
            resolved = False  # the agent would say it is still checking
        finally:
            provider.close()
            connection.close()
        return time.perf_counter() - started, resolved

    results = {}
    for phase in ("cold cache", "warm cache"):
        before = sum(_Handler.simulators[s.domain].requests for s in stores)
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = list(pool.map(turn, jobs))
        calls = sum(_Handler.simulators[s.domain].requests for s in stores) - before
        resolved = sum(1 for _, ok in outcomes if ok)
        results[phase] = {
            "resolved": f"{resolved}/{CONVERSATIONS}",
            "api_calls_per_resolved_conversation": round(calls / max(1, resolved), 3),
            "throttled_responses": sum(_Handler.simulators[s.domain].throttled for s in stores),
            "p95_turn_seconds": round(_p95([t for t, _ in outcomes]), 3),
            "median_turn_seconds": round(statistics.median(t for t, _ in outcomes), 3),
        }
    return results


def backfill(run_id: str, orders: int, restore_rate: float) -> dict[str, Any]:
    from apps.integrations.commerce.shopify.backfill import backfill_run
    from apps.orders.models import Order
    from tests.integrations.shopify import fakeshop
    from tests.integrations.shopify.simulator import ShopSimulator

    domain = f"bench-{run_id}-backfill-{orders}.myshopify.com"
    sim = ShopSimulator(maximum=STANDARD_MAX * 2, restore_rate=restore_rate)
    for n in range(orders):
        lines = [fakeshop.line_item(n * 3 + k, quantity=1 + k) for k in range(1 + n % 3)]
        sim.add_order(
            fakeshop.order(
                1001 + n,
                oid=10_000_000 + n,
                email=f"b{n % 500}@example.com",
                line_items=lines,
                fulfillments=[fakeshop.fulfillment(n)] if n % 4 else [],
            )
        )
    _Handler.simulators[domain] = sim
    store = _make_store(domain)
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    sync = backfill_run(store)
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    imported = Order.objects.filter(store=store).count()
    return {
        "orders": orders,
        "imported": imported,
        "status": sync.status,
        "wall_seconds": round(wall, 1),
        "api_requests": sim.requests,
        "throttled_responses": sim.throttled,
        "points_used": int(sim.points),
        "points_per_order": round(sim.points / max(1, orders), 1),
        "restore_rate_used": restore_rate,
        "projected_standard_plan_seconds": round(sim.points / STANDARD_RATE),
        "peak_python_memory_mib": round(peak / 2**20, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backfill-sizes", default="2000,10000")
    parser.add_argument("--backfill-restore-rate", type=float, default=2000.0)
    args = parser.parse_args()

    server, port = _serve()
    _setup_django(port)
    from django.db import connection
    from django.test.utils import setup_test_environment

    from apps.core.redis import get_redis

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # Its own throw-away database: never the one a test run uses at the same time.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_shopify_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    run_id = f"{int(time.time())}"
    try:
        report: dict[str, Any] = {"conversations": conversations(run_id), "backfill": []}
        for size in (int(s) for s in args.backfill_sizes.split(",") if s):
            report["backfill"].append(backfill(run_id, size, args.backfill_restore_rate))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis = get_redis()
        if redis is not None:
            for key in redis.scan_iter(f"shopify:*bench-{run_id}-*"):
                redis.delete(key)
        server.shutdown()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
