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

Exits 1 when a return has other than one label or one refund. Runs in its own throw-away
database (`bench_returns_<name>`); touches no other data. Knob: --returns (200).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
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


def setup_store(index: int, per_store: int, world: dict[str, Any]) -> list[Any]:
    """A demo store with EasyPost connected, labels on, refunds on the first scan, and
    `per_store` copies of order 1002 (delivered, returnable); odd ones paid via Stripe."""
    from apps.integrations.commerce.demo import seed_demo_store
    from apps.orders.models import Order
    from apps.stores.fields import Secret
    from apps.stores.models import (
        IntegrationCredential,
        IntegrationStatus,
        RefundRelease,
        ReturnLabels,
        StoreSettings,
    )
    from standins.easypost import Account

    store = seed_demo_store(domain=f"returns-{index}.aftersale.test")
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
    StoreSettings.objects.filter(store=store).update(
        return_labels=ReturnLabels.MERCHANT_PAYS,
        refund_release=RefundRelease.FIRST_SCAN,
        refund_auto_approve_limit=1000,
    )
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
        orders.append(copy)
    world["easypost"].accounts[key] = Account()
    world["keys"][store.pk] = key
    world["stripe_key"][store.pk] = f"sk_test_b{index}"
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
    ).count()
    return {"refunds": refunds, "seconds": timings[0], "label": label.status}


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
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("stripe").setLevel(logging.WARNING)  # one INFO line per call
    import easypost
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
    try:
        per_store = -(-args.returns // STORES)
        orders = []
        for index in range(STORES):
            orders.append(setup_store(index, per_store, world))
        interleaved = [o for group in zip(*orders, strict=True) for o in group][: args.returns]
        client = Client()
        easypost_before, stripe_before = len(world["easypost"].calls), len(world["stripe"].calls)
        started = time.perf_counter()
        results = [one_return(order, world, client) for order in interleaved]
        elapsed = time.perf_counter() - started
        easypost_calls = len(world["easypost"].calls) - easypost_before
        stripe_calls = len(world["stripe"].calls) - stripe_before
        base = baseline(interleaved[0].store, client, world)
    finally:
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
    }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    ok = purchases == n and min(refunds) == max(refunds) == 1
    if not ok:
        print("FAILED: every return must have exactly one label and one refund")
    return 0 if ok else 1


def _text(report: dict[str, Any]) -> str:
    return "\n".join(f"{key:<28} {value}" for key, value in report.items())


if __name__ == "__main__":
    sys.exit(main())
