"""The demo store and the evaluation played on it give the same results whatever the day.

The demo orders are placed relative to the moment the store is seeded, and the evaluation
cases must not assume a date. Each test travels (time-machine) to days where a hidden
dependency on the calendar would show: a year ahead, just after a DST change in New York
near midnight UTC, and a leap day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from apps.agent.evaluation import evaluate, load_cases
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order

pytestmark = pytest.mark.django_db

CASES = [Path(__file__).resolve().parents[1] / "eval" / name for name in ("cases.jsonl",)]

MOMENTS = {
    "a year ahead": lambda: timezone.now() + timedelta(days=366),
    "after New York's fall DST change, near midnight UTC": lambda: datetime(
        2027, 11, 7, 23, 58, 30, tzinfo=UTC
    ),
    "after New York's spring DST change, near midnight UTC": lambda: datetime(
        2028, 3, 12, 23, 59, 30, tzinfo=UTC
    ),
    "a leap day": lambda: datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
}


def _results() -> list[dict[str, Any]]:
    return evaluate(load_cases(CASES)).as_json()["results"]


def _orders_as_seen_from(now: datetime) -> list[tuple[Any, ...]]:
    """Each demo order as a customer sees it: status, and ages in whole hours."""

    def hours(moment: datetime | None) -> int | None:
        return None if moment is None else round((now - moment).total_seconds() / 3600)

    return [
        (
            o.number,
            o.financial_status,
            o.fulfillment_status,
            hours(o.platform_created_at),
            hours(o.cancelled_at),
            [(f.get("status"), f.get("delivered_at") is None) for f in o.fulfillments],
        )
        for o in Order.objects.filter(store__domain="demo.aftersale.test").order_by("number")
    ]


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_the_demo_store_is_the_same_relative_to_the_day_it_is_seeded(moment) -> None:
    today = timezone.now()
    seed_demo_store(now=today)
    expected = _orders_as_seen_from(today)

    then = moment()
    seed_demo_store(now=then)

    assert expected
    assert _orders_as_seen_from(then) == expected


@pytest.fixture(scope="module")
def results_today(django_db_setup, django_db_blocker) -> list[dict[str, Any]]:  # noqa: ARG001
    # One baseline for every moment: the evaluation rolls back everything it writes.
    with django_db_blocker.unblock():
        return _results()


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_the_evaluation_gives_the_same_results_on_any_day(moment, results_today) -> None:
    with time_machine.travel(moment(), tick=True):
        assert _results() == results_today
