"""Shopify provider benchmark against a local stand-in of the GraphQL Admin API.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/shopify.py

The stand-in (tests/integrations/shopify/simulator.py, a stateful fake of one shop per
domain, behind a threaded HTTP server on 127.0.0.1) accepts only the documented
operations, enforces Shopify's cost-based leaky bucket (standard plan: 1000 points,
restored at 100 points/s), answers in documented shapes (THROTTLED as HTTP 200 with
errors[].extensions.code) and runs bulk operations, serving their JSONL result with HTTP
Range support.

Part 1: 200 order-status conversations across 5 shops ("Where is my order #N? My email
is ..."), run concurrently (WORKERS threads), first with a cold then with a warm order
cache. Each is a customer message answered by the agent pipeline (`apps.agent.pipeline.
run_turn`: understand -> verify -> decide -> act -> respond) when that module exists,
else by the provider calls the pipeline makes (find_order + get_tracking). Resolved = a
reply that gives the parcel's tracking number.

Part 2: the order backfill of 2,000 and 10,000 orders, page by page and as one bulk
operation, with wall time, API points and peak Python memory (tracemalloc). Pages are
priced in points, so they run at BACKFILL_RESTORE_RATE and the standard-plan time is
projected from the points used; the bulk path runs at the standard plan's own figures.
How fast Shopify itself runs a bulk operation is not documented: the stand-in takes
--bulk-objects-per-second (objects = JSONL lines) and the report separates the wait for
Shopify from our download and import.

Runs in a throw-away test database; touches only its own Redis keys.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: not what production runs
os.environ["AGENT_LLM_PROVIDER"] = ""  # the built-in understanding: no network

from _conversations import (  # noqa: E402 (after the environment it reads)
    order_status_jobs,
    order_status_turn,
    resolved_count,
    run_phase,
    throwaway_database,
)

SHOPS = 5
CONVERSATIONS = 200
WORKERS = 40
STANDARD_MAX, STANDARD_RATE = 1000.0, 100.0


# ---------------------------------------------------------------- the stand-in process
# The stand-in runs in a process of its own, so its work (answering, writing bulk files)
# neither competes for our GIL nor counts in our memory peak. We drive it over HTTP:
# /<shop>/admin/api/... is the GraphQL Admin API, /bulk/<slug>/<n>.jsonl a bulk result,
# /_admin/... sets shops up and reads their counters.


class _Handler(BaseHTTPRequestHandler):
    simulators: dict[str, Any] = {}
    port = 0

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/_admin/"):
            self._json(200, _admin_post(self.path, body, self.port))
            return
        sim = self.simulators.get(self.path.strip("/").split("/", 1)[0])
        if sim is None or not self.headers.get("X-Shopify-Access-Token"):
            self._json(401, {"errors": "[API] Invalid API key or access token"})
            return
        self._json(200, sim.handle(body))

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/_admin/stats/"):
            sim = self.simulators.get(self.path.rsplit("/", 1)[-1])
            self._json(200 if sim else 404, _stats(sim) if sim else {})
            return
        self._bulk_file()

    def _bulk_file(self) -> None:
        """A bulk operation's result: /bulk/<shop slug>/<n>.jsonl (Range supported)."""
        import httpx

        parts = self.path.split("?")[0].strip("/").split("/")
        sim = next(
            (s for d, s in self.simulators.items() if len(parts) == 3 and d.startswith(parts[1])),
            None,
        )
        if sim is None:
            self._json(404, {})
            return
        request = httpx.Request("GET", f"http://bench{self.path}", headers=dict(self.headers))
        response = sim.bulk.download(request)
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for chunk in response.iter_bytes():
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the importer stops reading at the end of a step and asks again later

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _admin_post(path: str, body: dict[str, Any], port: int) -> dict[str, Any]:
    from standins.shopify.build import synthetic_orders
    from standins.shopify.simulator import ShopSimulator

    if path == "/_admin/shop":
        sim = ShopSimulator(
            body["domain"],
            maximum=body["maximum"],
            restore_rate=body["restore_rate"],
            bulk_objects_per_second=body.get("bulk_objects_per_second", 2000.0),
            bulk_url_template=f"http://127.0.0.1:{port}/bulk/{{shop}}/{{number}}.jsonl",
            bulk_in_background=True,
        )
        prefix = body.get("email_prefix")
        synthetic_orders(
            sim.shop,
            body["orders"],
            now=datetime.now(UTC),
            base=body["base"],
            ship_all=body.get("ship_all", False),
            **({"email": lambda n: f"{prefix}{n}@example.com"} if prefix else {}),
        )
        _Handler.simulators[body["domain"]] = sim
    elif path == "/_admin/cleanup":
        for sim in _Handler.simulators.values():
            sim.bulk.cleanup()
    return {}


def _stats(sim: Any) -> dict[str, Any]:
    operations = list(sim.bulk.operations.values())
    return {
        "requests": sim.requests,
        "throttled": sim.throttled,
        "points": sim.points,
        "bulk": [
            {
                "objects": op.objects,
                "bytes": op.path.stat().st_size if op.path and op.path.exists() else 0,
                "started": op.started,
            }
            for op in operations
        ],
        "downloads": sim.bulk.downloads,
    }


def _standin_process(ready: Any) -> None:
    import django

    django.setup()  # the demo data module needs the app registry; no database is used
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    _Handler.port = server.server_address[1]
    ready.send(_Handler.port)
    server.serve_forever()


def _serve() -> tuple[Any, int]:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_standin_process, args=(child,), daemon=True)
    process.start()
    return process, int(parent.recv())


class StandIn:
    """The parent's handle on the stand-in process."""

    def __init__(self, port: int) -> None:
        import httpx

        self._http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120.0)

    def shop(self, domain: str, **spec: Any) -> None:
        self._http.post("/_admin/shop", json={"domain": domain, **spec}).raise_for_status()

    def stats(self, domain: str) -> dict[str, Any]:
        response = self._http.get(f"/_admin/stats/{domain}")
        response.raise_for_status()
        return dict(response.json())

    def cleanup(self) -> None:
        self._http.post("/_admin/cleanup", json={})


def _setup_django(port: int) -> None:
    os.environ["SHOPIFY_ADMIN_URL_TEMPLATE"] = (
        f"http://127.0.0.1:{port}/{{shop}}/admin/api/{{version}}/graphql.json"
    )
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise


def _make_store(domain: str) -> Any:
    from apps.stores.models import Platform, Store
    from apps.stores.services import TokenSet, store_install

    store: Store = store_install(
        platform=Platform.SHOPIFY, domain=domain, tokens=TokenSet(access_token="shpat_bench")
    )
    return store


# ---------------------------------------------------------------- part 1: conversations


def _pipeline() -> Any:
    try:
        from apps.agent.pipeline import run_turn
    except ImportError:
        return None
    return run_turn


def _provider_turn(store: Any, number: int, email: str) -> bool:
    from apps.integrations.commerce.base import TransientCommerceError
    from apps.integrations.commerce.shopify.provider import ShopifyCommerceProvider

    provider = ShopifyCommerceProvider(store)
    try:
        order = provider.find_order(f"#{number}", email=email)
        tracking = provider.get_tracking(order.id) if order else []
        return any(t.number for f in tracking for t in f.tracking)
    except TransientCommerceError:
        return False  # the agent would say it is still checking
    finally:
        provider.close()


def conversations(run_id: str, standin: StandIn, *, through_agent: bool) -> dict[str, Any]:
    stores, per_shop = [], CONVERSATIONS // SHOPS
    for s in range(SHOPS):
        domain = f"bench-{run_id}-{s}.myshopify.com"
        standin.shop(
            domain,
            maximum=STANDARD_MAX,
            restore_rate=STANDARD_RATE,
            orders=per_shop,
            base=10 + s,
            email_prefix="c",
            ship_all=True,
        )
        stores.append(_make_store(domain))
    jobs = order_status_jobs(stores, CONVERSATIONS)

    def totals() -> tuple[int, int]:
        stats = [standin.stats(s.domain) for s in stores]
        return sum(x["requests"] for x in stats), sum(x["throttled"] for x in stats)

    answer = order_status_turn if through_agent else _provider_turn
    through = "agent pipeline (run_turn)" if through_agent else "provider"
    results: dict[str, Any] = {"through": through}
    for phase in ("cold cache", "warm cache"):
        results[phase] = run_phase(jobs, counters=totals, workers=WORKERS, answer=answer)
    return results


# ---------------------------------------------------------------- part 2: backfill


def backfill(
    run_id: str, standin: StandIn, orders: int, *, bulk: bool, args: Any
) -> dict[str, Any]:
    from django.test import override_settings

    from apps.integrations.commerce.shopify.backfill import backfill_run
    from apps.orders.models import Order

    mode = "bulk" if bulk else "paged"
    rate = STANDARD_RATE if bulk else args.backfill_restore_rate
    domain = f"bench-{run_id}-{mode}-{orders}.myshopify.com"
    standin.shop(
        domain,
        maximum=STANDARD_MAX if bulk else STANDARD_MAX * 2,
        restore_rate=rate,
        bulk_objects_per_second=args.bulk_objects_per_second,
        orders=orders,
        base=100 + orders // 1000,
    )
    store = _make_store(domain)
    threshold = 0 if bulk else 10**9
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    with override_settings(SHOPIFY_BULK_BACKFILL_THRESHOLD=threshold):
        sync = backfill_run(store)
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stats = standin.stats(domain)
    result: dict[str, Any] = {
        "mode": mode,
        "orders": orders,
        "imported": Order.objects.filter(store=store).count(),
        "status": sync.status,
        "wall_seconds": round(wall, 1),
        "api_requests": stats["requests"],
        "throttled_responses": stats["throttled"],
        "points_used": int(stats["points"]),
        "points_per_order": round(stats["points"] / max(1, orders), 3),
        "restore_rate_used": rate,
        "peak_python_memory_mib": round(peak / 2**20, 2),
    }
    if bulk and stats["bulk"]:
        [operation] = stats["bulk"]
        downloads = stats["downloads"]
        waited = (downloads[0]["at"] if downloads else operation["started"]) - operation["started"]
        result |= {
            "jsonl_lines": operation["objects"],
            "jsonl_mib": round(operation["bytes"] / 2**20, 1),
            "downloads": len(downloads),  # one per step: each resumes at its byte offset
            "waiting_for_shopify_seconds": round(waited, 1),
            "download_and_import_seconds": round(wall - waited, 1),
        }
    elif not bulk:
        result["projected_standard_plan_seconds"] = round(stats["points"] / STANDARD_RATE)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backfill-sizes", default="2000,10000")
    parser.add_argument("--backfill-modes", default="paged,bulk")
    parser.add_argument("--backfill-restore-rate", type=float, default=2000.0)
    parser.add_argument("--bulk-objects-per-second", type=float, default=2000.0)
    parser.add_argument("--conversations", choices=("agent", "provider", "skip"), default="agent")
    args = parser.parse_args()

    process, port = _serve()
    _setup_django(port)
    from apps.core.redis import get_redis

    standin = StandIn(port)
    run_id = f"{int(time.time())}"
    report: dict[str, Any] = {"backfill": []}
    with throwaway_database("bench_shopify"):
        try:
            _run(args, run_id, standin, report)
        finally:
            standin.cleanup()
            redis = get_redis()
            if redis is not None:
                for key in redis.scan_iter(f"*bench-{run_id}-*"):
                    redis.delete(key)
            process.terminate()
    report["missed_targets"] = missed_targets(report)
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["missed_targets"] else 0)


def _run(args: argparse.Namespace, run_id: str, standin: StandIn, report: dict[str, Any]) -> None:
    if args.conversations != "skip":
        through_agent = args.conversations == "agent" and _pipeline() is not None
        report["conversations"] = conversations(run_id, standin, through_agent=through_agent)
    for size in (int(s) for s in args.backfill_sizes.split(",") if s):
        for mode in args.backfill_modes.split(","):
            entry = backfill(run_id, standin, size, bulk=mode == "bulk", args=args)
            report["backfill"].append(entry)
            print(json.dumps(entry), file=sys.stderr, flush=True)


def missed_targets(report: dict[str, Any]) -> list[str]:
    """The targets: at most 1 API call per resolved conversation (none for an order
    already answered once), no THROTTLED, every backfill complete, memory flat."""
    missed = []
    talks = report.get("conversations") or {}
    cold, warm = talks.get("cold cache"), talks.get("warm cache")
    if cold and cold["api_calls_per_resolved_conversation"] > 1.0:
        missed.append("more than one API call per resolved conversation (cold cache)")
    if cold and warm:
        unanswered = CONVERSATIONS - resolved_count(cold)[0]
        resolved = resolved_count(warm)[0]
        if warm["api_calls_per_resolved_conversation"] * resolved > unanswered + 0.5:
            missed.append("API calls for orders already in a fresh cache (warm cache)")
    if any(phase["throttled_responses"] for phase in (cold, warm) if phase):
        missed.append("THROTTLED responses in conversations")
    for entry in report["backfill"]:
        if entry["status"] != "done" or entry["imported"] != entry["orders"]:
            missed.append(f"{entry['mode']} backfill of {entry['orders']} did not finish")
        if entry["throttled_responses"]:
            missed.append(f"THROTTLED responses in the {entry['mode']} backfill")
    for mode in ("paged", "bulk"):
        runs = sorted(
            (e for e in report["backfill"] if e["mode"] == mode), key=lambda e: e["orders"]
        )
        if len(runs) > 1:
            small, large = runs[0]["peak_python_memory_mib"], runs[-1]["peak_python_memory_mib"]
            if large > 1.25 * small + 0.5:  # flat: not growing with the number of orders
                missed.append(f"{mode} backfill memory grows with the orders")
    return missed


if __name__ == "__main__":
    main()
