"""Returns that finish themselves: 200 return conversations across 5 stores, end to end.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/returns.py

Each return is a chat (ask, yes) through `run_turn` on a demo store, its prepaid label bought
at the EasyPost stand-in (return_label_run, what the Celery task runs), then the carrier's
in_transit tracker webhook POSTed signed to /webhooks/easypost/<store> twice (EasyPost
delivers at least once) and processed (webhook_event_process, what the worker runs), which
releases the refund. Half the orders were paid through Stripe (the stand-in), so their
refund goes through Stripe. Labels and refunds are counted per return (target exactly 1
each), the time from the tracker webhook's arrival to the refund executed is measured per
return, and the EasyPost and Stripe calls per return are counted. Baseline, measured in the
same run: the same webhook for a tracker no return has (verified, stored, ignored).

`--shopify` of the stores (2) are Shopify stores answered by the Shopify stand-in
(standins/shopify, in-process behind respx, enforcing the cost bucket): the chat finds the
order and records the return through the GraphQL Admin API, and the refund first reads the
order's payments with their own query (OrderPayments). Half their orders were paid by a
Stripe checkout, shown the three ways such orders carry it (authorizationCode, receiptJson,
a note attribute on a manual-gateway order), and are refunded through Stripe; the rest by
Shopify Payments, refunded on Shopify. Calls per return are reported per platform and
payment (EasyPost, Stripe, Shopify by operation).

Exits 1 when a return has other than one label or one refund, or a Shopify return's refund
went through the wrong rail. Runs in its own throw-away database (`bench_returns_<name>`);
touches no other data. Knobs: --returns (200), --shopify (2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"
os.environ["AGENT_LLM_PROVIDER"] = ""

STORES = 5
SECRET = "bench-tracker-secret"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(1000 * percentile(samples, 0.5), 2),
        "p95_ms": round(1000 * percentile(samples, 0.95), 2),
        "mean_ms": round(1000 * statistics.fmean(samples), 2),
    }


STRIPE_SHAPES = ("authorization", "receipt", "attribute")


def connect(store: Any, index: int, world: dict[str, Any]) -> None:
    """EasyPost and Stripe connected, labels on, refunds released on the first scan."""
    from apps.stores.fields import Secret
    from apps.stores.models import (
        IntegrationCredential,
        IntegrationStatus,
        RefundRelease,
        ReturnLabels,
        StoreSettings,
    )
    from standins.easypost import Account

    key = f"EZTKbench{index}"
    setup = {
        "api_key": key,
        "webhook_secret": SECRET,
        "return_street1": "1 Warehouse Way",
        "return_city": "San Francisco",
        "return_zip": "94107",
        "return_country": "US",
        "parcel_weight_oz": "16",
    }
    for provider, config in (("easypost", setup), ("stripe", {"secret_key": f"sk_test_b{index}"})):
        IntegrationCredential.objects.create(
            store=store,
            provider=provider,
            config=Secret(json.dumps(config)),
            status=IntegrationStatus.CONNECTED,
        )
    StoreSettings.objects.update_or_create(
        store=store,
        defaults={
            "return_labels": ReturnLabels.MERCHANT_PAYS,
            "refund_release": RefundRelease.FIRST_SCAN,
            "refund_auto_approve_limit": 1000,
        },
    )
    world["easypost"].accounts[key] = Account()
    world["keys"][store.pk] = key
    world["stripe_key"][store.pk] = f"sk_test_b{index}"


def setup_store(index: int, per_store: int, world: dict[str, Any]) -> list[Any]:
    """A demo store, connected, with `per_store` copies of order 1002 (delivered,
    returnable); odd ones paid via Stripe."""
    from apps.integrations.commerce.demo import seed_demo_store
    from apps.orders.models import Order

    store = seed_demo_store(domain=f"returns-{index}.aftersale.test")
    connect(store, index, world)
    template = Order.objects.get(store=store, number=1002)
    orders = []
    for n in range(per_store):
        number = 5000 + n
        copy = Order.objects.get(pk=template.pk)
        copy.pk = None
        copy.platform_order_id = f"demo-order-{number}"
        copy.name, copy.number = f"#{number}", number
        if n % 2:
            paid = world["stripe"].add_payment(
                f"sk_test_b{index}", int(copy.total_price * 100), email=copy.email
            )
            copy.payment_references = [{"gateway": "stripe", "reference": paid.intent_id}]
        copy.save()
        paid = "stripe" if n % 2 else "platform"
        orders.append(SimpleNamespace(store=store, number=number, email=copy.email, paid=paid))
    return orders


def setup_shopify_store(index: int, per_store: int, world: dict[str, Any]) -> list[Any]:
    """A Shopify store at the stand-in, connected, with `per_store` copies of its order
    1002; odd ones paid by a Stripe checkout (the three shapes in turn)."""
    from django.utils import timezone

    from apps.integrations.commerce.demo import data
    from apps.stores.models import Platform
    from apps.stores.services import TokenSet, store_install
    from standins.shopify import endpoint
    from standins.shopify.build import demo_shop, order_from_info, paid_through_stripe
    from standins.shopify.simulator import ShopSimulator

    domain = f"returns-{index}.myshopify.com"
    store = store_install(
        platform=Platform.SHOPIFY, domain=domain, tokens=TokenSet(access_token="shpat_bench")
    )
    connect(store, index, world)
    sim = ShopSimulator(domain, clock=time.time)
    now = timezone.now()
    ids = demo_shop(sim.shop, now)
    template = next(o for o in data.demo_orders(now) if o.number == 1002)
    world["router"].post(endpoint(domain)).mock(side_effect=sim.respond)
    world["shops"][store.pk] = sim
    orders = []
    for n in range(per_store):
        number = 5000 + n
        order = order_from_info(template, ids, domain, number=number)
        sim.shop.add_order(order)
        paid = "platform"
        if n % 2:
            payment = world["stripe"].add_payment(
                f"sk_test_b{index}", int(order.total * 100), email=order.email
            )
            paid_through_stripe(order, payment.intent_id, where=STRIPE_SHAPES[n // 2 % 3])
            paid = "stripe"
        orders.append(SimpleNamespace(store=store, number=number, email=order.email, paid=paid))
    return orders


def one_return(order: Any, world: dict[str, Any], client: Any) -> dict[str, Any]:
    from apps.agent.pipeline import run_turn
    from apps.agent.return_flow import return_label_run
    from apps.chat.services import message_add_customer
    from apps.conversations.models import ActionKind, AgentAction, Channel
    from apps.conversations.services import conversation_start
    from apps.integrations.shipping.models import ReturnShipment
    from apps.webhooks.models import WebhookEvent, WebhookStatus
    from apps.webhooks.processing import webhook_event_process
    from standins.easypost import sign

    store = order.store
    conversation = conversation_start(store, Channel.WEB, customer_email=order.email)
    run_turn(message_add_customer(conversation, f"I'd like to return order {order.number}"))
    run_turn(message_add_customer(conversation, "yes"))
    returned = AgentAction.objects.get(conversation=conversation, kind=ActionKind.CREATE_RETURN)
    return_label_run(returned.pk)
    label = AgentAction.objects.get(conversation=conversation, kind=ActionKind.RETURN_LABEL)
    shipment = ReturnShipment.objects.get(store=store, reference=label.idempotency_key)
    standin = world["easypost"]
    tracker = standin.tracker_of(world["keys"][store.pk], shipment.tracker_id)
    body = standin.event(standin.advance(tracker, "in_transit"))
    timings = []
    for _ in range(2):  # EasyPost delivers at least once: the second is a redelivery
        started = time.perf_counter()
        client.post(
            f"/webhooks/easypost/{store.pk}",
            body,
            content_type="application/json",
            headers={"X-Hmac-Signature": sign(body, SECRET)},
        )
        for pk in WebhookEvent.objects.filter(
            store=store, status=WebhookStatus.PENDING
        ).values_list("pk", flat=True):
            webhook_event_process(pk)
        timings.append(time.perf_counter() - started)
    refunds = AgentAction.objects.filter(
        conversation=conversation, kind=ActionKind.REFUND, status="executed"
    )
    rails = {
        "stripe" if (r.result or {}).get("provider") == "stripe" else "platform" for r in refunds
    }
    return {
        "refunds": len(refunds),
        "seconds": timings[0],
        "label": label.status,
        "right_rail": rails == {order.paid},
    }


def baseline(store: Any, client: Any, world: dict[str, Any]) -> list[float]:
    """The same webhook path for a tracker no return has: verify, store, process, ignore."""
    from apps.webhooks.models import WebhookEvent, WebhookStatus
    from apps.webhooks.processing import webhook_event_process
    from standins.easypost import sign

    standin = world["easypost"]
    key = world["keys"][store.pk]
    samples = []
    for _ in range(50):
        tracker = standin._tracker(standin.accounts[key], f"EZ{time.time_ns()}", "USPS", "unknown")
        body = standin.event(standin.advance(tracker, "in_transit"))
        started = time.perf_counter()
        client.post(
            f"/webhooks/easypost/{store.pk}",
            body,
            content_type="application/json",
            headers={"X-Hmac-Signature": sign(body, SECRET)},
        )
        for pk in WebhookEvent.objects.filter(
            store=store, status=WebhookStatus.PENDING
        ).values_list("pk", flat=True):
            webhook_event_process(pk)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=200)
    parser.add_argument("--shopify", type=int, default=2, help="how many of the stores")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("stripe").setLevel(logging.WARNING)  # one INFO line per call
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Shopify call
    import easypost
    import respx
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from apps.agent import label_executor, payment_refunds, return_hook
    from apps.integrations.payments.stripe.provider import StripePayments
    from apps.integrations.shipping.easypost.provider import EasyPostShipping
    from standins.easypost import EasyPostStandIn
    from standins.stripe import StripeStandIn

    keys = tuple(f"sk_test_b{i}" for i in range(STORES))
    world: dict[str, Any] = {
        "easypost": EasyPostStandIn(("EZTKseed",)),
        "stripe": StripeStandIn(keys),
        "keys": {},
        "stripe_key": {},
        "shops": {},
        "router": respx.mock(assert_all_called=False, assert_all_mocked=False),
    }
    label_executor.shipping_provider_for = lambda store: EasyPostShipping(
        world["easypost"].mount(easypost.EasyPostClient(world["keys"][store.pk]))
    )
    stripe_clients = {k: StripePayments(world["stripe"].client(k)) for k in keys}
    payment_refunds.payments_provider_for = lambda store: stripe_clients[
        world["stripe_key"][store.pk]
    ]
    return_hook._enqueue = lambda pk: None  # the bench runs the label task's body itself

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_returns_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    world["router"].start()
    try:
        per_store = -(-args.returns // STORES)
        orders = []
        for index in range(STORES):
            shopify = index >= STORES - args.shopify
            setup = setup_shopify_store if shopify else setup_store
            orders.append(setup(index, per_store, world))
        interleaved = [o for group in zip(*orders, strict=True) for o in group][: args.returns]
        client = Client()
        easypost_before, stripe_before = len(world["easypost"].calls), len(world["stripe"].calls)
        started = time.perf_counter()
        results = []
        for order in interleaved:
            before = _calls(world, order)
            result = one_return(order, world, client)
            after = _calls(world, order)
            result["group"] = f"{order.store.platform}/{order.paid}"
            result["calls"] = {k: after[k] - before.get(k, 0) for k in after}
            results.append(result)
        elapsed = time.perf_counter() - started
        easypost_calls = len(world["easypost"].calls) - easypost_before
        stripe_calls = len(world["stripe"].calls) - stripe_before
        base = baseline(interleaved[0].store, client, world)
        throttled = sum(sim.throttled for sim in world["shops"].values())
    finally:
        world["router"].stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    n = len(results)
    purchases = sum(a.purchases for a in world["easypost"].accounts.values())
    refunds = [r["refunds"] for r in results]
    released = ms([r["seconds"] for r in results])
    baseline_ms = ms(base)
    report = {
        "returns": n,
        "stores": STORES,
        "returns_per_second": round(n / elapsed, 2),
        "labels_per_return": round(purchases / n, 3),
        "refunds_per_return": {"min": min(refunds), "max": max(refunds)},
        "stripe_refunds": sum(a.created for a in world["stripe"].accounts.values()),
        "webhook_to_refund": released,
        "baseline_ignored_webhook": baseline_ms,
        "ratio_p95_vs_baseline": round(released["p95_ms"] / baseline_ms["p95_ms"], 2),
        "easypost_calls_per_return": round(easypost_calls / n, 2),
        "stripe_calls_per_return": round(stripe_calls / n, 2),
        "shopify_throttled": throttled,
        "refunds_on_the_wrong_rail": sum(not r["right_rail"] for r in results),
        "calls_per_return_by_group": _by_group(results),
    }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    ok = (
        purchases == n
        and min(refunds) == max(refunds) == 1
        and report["refunds_on_the_wrong_rail"] == 0
    )
    if not ok:
        print("FAILED: every return must have exactly one label and one refund, on its rail")
    return 0 if ok else 1


def _calls(world: dict[str, Any], order: Any) -> dict[str, int]:
    """Calls made so far to EasyPost, Stripe and (for a Shopify store) its shop, by
    operation."""
    counted = {"easypost": len(world["easypost"].calls), "stripe": len(world["stripe"].calls)}
    sim = world["shops"].get(order.store.pk)
    if sim is not None:
        ops = sim.ops()
        counted["shopify"] = len(ops)
        for op in set(ops):
            counted[f"shopify {op}"] = ops.count(op)
    return counted


def _by_group(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault(result["group"], []).append(result)
    report = {}
    for group, members in sorted(groups.items()):
        names = sorted({k for m in members for k in m["calls"]})
        report[group] = {"returns": len(members)} | {
            name: round(sum(m["calls"].get(name, 0) for m in members) / len(members), 2)
            for name in names
        }
    return report


def _text(report: dict[str, Any]) -> str:
    return "\n".join(f"{key:<28} {value}" for key, value in report.items())


if __name__ == "__main__":
    sys.exit(main())
