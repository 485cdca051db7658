"""The evaluation runs unchanged on the demo store rebuilt on each other platform: a
slice of it (one case of each intent) here, so it stays runnable; the whole suite is
`manage.py evaluate_agent ... --platform bigcommerce|woocommerce`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.agent.eval_cases import Case
from apps.agent.evaluation import evaluate, evaluate_on, load_cases
from apps.stores.models import Store
from standins.demo_worlds import PLATFORMS, platform_demo

pytestmark = pytest.mark.django_db

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"
# BigCommerce's shipments hold a tracking number and link, not the carrier's scans or
# ETA: replies that quote those cannot be given there (tests/agent/test_eval_bigcommerce).
NOT_ON = {"bigcommerce": {"sc-status-asks-email-after-number", "sc-status-one-message"}}


def _slice() -> list[Case]:
    """The first case of every intent the cases file expects, actions included."""
    chosen: dict[str, Case] = {}
    for case in load_cases([EVAL_DIR / "cases.jsonl"]):
        intent = case.expect.intent or ""
        if intent and intent not in chosen:
            chosen[intent] = case
    return list(chosen.values())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_slice_of_the_evaluation_scores_as_on_the_demo_store(platform: str) -> None:
    cases = _slice()
    assert len(cases) >= 8
    on_demo = {r.id: r for r in evaluate(cases).results}

    with platform_demo(platform, timezone.now()) as world:
        report = evaluate_on(cases, world.store, reset=world.reset)  # type: ignore[arg-type]
        assert world.requests() > 0  # the answers came through the platform's API

    assert isinstance(world.store, Store)
    assert world.store.platform == platform
    assert report.summary()["policy_violations"] == 0
    differs = {
        r.id: r.failures
        for r in report.results
        if r.passed != on_demo[r.id].passed and r.id not in NOT_ON.get(platform, set())
    }
    assert differs == {}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_command_runs_on_a_platform_and_leaves_no_rows(
    platform: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.jsonl"
    wanted = [c for c in _slice() if c.expect.intent in ("order_status", "refund_status")]
    lines = [
        line
        for line in (EVAL_DIR / "cases.jsonl").read_text().splitlines()
        if line.strip() and json.loads(line)["id"] in {c.id for c in wanted}
    ]
    cases.write_text("\n".join(lines) + "\n")
    stores_before = Store.objects.count()

    call_command("evaluate_agent", str(cases), "--platform", platform, "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["cases"] == len(lines) >= 2
    assert report["passed"] == report["cases"]
    assert Store.objects.count() == stores_before
