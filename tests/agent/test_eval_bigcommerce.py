"""The agent's evaluation cases, unchanged, on a BigCommerce demo store: the same data
behind the BigCommerce stand-in, the agent reaching it through the BigCommerce provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
from django.utils import timezone

from apps.agent.eval_cases import Case
from apps.agent.evaluation import evaluate, evaluate_on, load_cases
from apps.stores.models import Platform, Store
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.demo import demo_bigcommerce_store, reset, warm_cache

pytestmark = pytest.mark.django_db

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"
# Replies that need where a parcel is on its way (the carrier's scans, its ETA): Shopify's
# fulfillments carry them, BigCommerce's shipments hold only the number and link.
CARRIER_EVENT_CASES = {"sc-status-asks-email-after-number", "sc-status-one-message"}


@pytest.fixture
def bigcommerce() -> Iterator[tuple[Store, BigCommerceStandIn]]:
    standin = BigCommerceStandIn("evaldemo", token="bc_eval_token")
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        store = demo_bigcommerce_store(standin, timezone.now())
        warm_cache(store, list(standin.state.orders))
        yield store, standin


def _status_cases() -> list[Case]:
    cases = load_cases([EVAL_DIR / "scenarios.jsonl", EVAL_DIR / "cases.jsonl"])
    return [c for c in cases if c.expect.intent == "order_status"]


def test_order_status_conversations_end_to_end_on_bigcommerce(bigcommerce):
    store, standin = bigcommerce
    cases = _status_cases()
    assert len(cases) >= 10
    now = timezone.now()

    on_bigcommerce = evaluate_on(cases, store, reset=lambda: reset(standin, now))
    on_demo = evaluate(cases)

    assert store.platform == Platform.BIGCOMMERCE
    assert on_bigcommerce.summary()["policy_violations"] == 0
    failed_here = {r.id: r.failures for r in on_bigcommerce.results if not r.passed}
    failed_on_demo = {r.id for r in on_demo.results if not r.passed}
    only_here = {k: v for k, v in failed_here.items() if k not in failed_on_demo}
    assert set(only_here) <= CARRIER_EVENT_CASES, only_here
    assert on_bigcommerce.summary()["passed"] >= on_demo.summary()["passed"] - len(
        CARRIER_EVENT_CASES
    )
    # The agent reached the orders through BigCommerce's API (then its snapshot).
    assert any(call.startswith("GET /v2/orders/") for call in standin.calls)


def test_final_sale_rules_hold_on_bigcommerce(bigcommerce):
    """BigCommerce products have no tags: the merchant's final-sale words come from the
    product's "tags" custom field, and the rules apply exactly as on the demo store."""
    store, standin = bigcommerce
    cases = [
        c
        for c in load_cases([EVAL_DIR / "scenarios.jsonl"])
        if "final-sale" in c.id or "final_sale" in c.id
    ]
    assert len(cases) >= 3
    now = timezone.now()

    report = evaluate_on(cases, store, reset=lambda: reset(standin, now))

    assert report.summary()["policy_violations"] == 0
    assert [r.id for r in report.results if not r.passed] == []
