"""Shared by the order-status benchmarks (platforms.py, shopify.py): one customer message
through the agent pipeline, a phase of concurrent conversations with its figures, and the
throw-away database they run in. Not a benchmark itself (run_all skips `_` files).

Import after the script has set DJANGO_SETTINGS_MODULE and TESTING (its first lines).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

# What every stand-in's synthetic parcels start with: UPS tracking numbers.
TRACKING_PREFIX = "1Z"

Job = tuple[Any, int, str]  # store, order number, the customer's email


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def order_status_turn(store: Any, number: int, email: str) -> bool:
    """One customer message through the agent pipeline; True when the reply tracks it."""
    from apps.agent.pipeline import run_turn
    from apps.conversations.models import Message, MessageRole
    from apps.conversations.services import conversation_start
    from apps.integrations.commerce.base import TransientCommerceError

    conversation = conversation_start(store)
    # What message_add_customer saves, without enqueueing the task that would answer it:
    # the bench runs the pipeline itself, in this thread.
    message = Message.objects.create(
        store_id=store.pk,
        conversation=conversation,
        role=MessageRole.CUSTOMER,
        text=f"Hi, where is my order #{number}? My email is {email}",
    )
    try:
        result = run_turn(message)
    except TransientCommerceError:
        # The pipeline lets a busy platform through (the task retries the message
        # later); for this turn the customer has no answer yet.
        return False
    text = result.reply.text if result.reply is not None else ""
    return TRACKING_PREFIX in text and not result.escalated


def order_status_jobs(stores: list[Any], total: int) -> list[Job]:
    """`total` questions spread over the stores: order #1001+k of store s, bought by ck."""
    count = len(stores)
    jobs = [
        (stores[i % count], 1001 + i // count, f"c{i // count}@example.com") for i in range(total)
    ]
    random.Random(7).shuffle(jobs)
    return jobs


def run_phase(
    jobs: list[Job],
    *,
    counters: Callable[[], tuple[int, int]],
    workers: int,
    answer: Callable[[Any, int, str], bool] = order_status_turn,
) -> dict[str, Any]:
    """Every job answered, `workers` at a time. `counters()` = (requests, throttled
    answers) the stand-ins have seen so far; the figures are this phase's share."""
    from django.db import connection

    def turn(job: Job) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            resolved = answer(*job)
        finally:
            connection.close()
        return time.perf_counter() - started, resolved

    calls_before, throttled_before = counters()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(turn, jobs))
    calls, throttled = counters()
    resolved = sum(1 for _, ok in outcomes if ok)
    return {
        "resolved": f"{resolved}/{len(jobs)}",
        "api_calls": calls - calls_before,
        "api_calls_per_resolved_conversation": round((calls - calls_before) / max(1, resolved), 3),
        "throttled_responses": throttled - throttled_before,
        "p95_turn_seconds": round(p95([t for t, _ in outcomes]), 3),
        "median_turn_seconds": round(statistics.median(t for t, _ in outcomes), 3),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def resolved_count(phase: dict[str, Any]) -> tuple[int, int]:
    answered, asked = (int(n) for n in phase["resolved"].split("/"))
    return answered, asked


@contextmanager
def throwaway_database(prefix: str) -> Iterator[None]:
    """A test database of this bench's own (never the one a test run uses at the time),
    destroyed afterwards."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{prefix}_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
