"""The agent pipeline alone: understand -> verify -> decide -> act -> respond, per turn.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/agent.py

Plays the evaluation cases (tests/eval/cases.jsonl and scenarios.jsonl) turn by turn
through `run_turn` with the built-in understanding (no LLM), the demo provider and
PostgreSQL, in one process pinned to one core. Each case runs in a savepoint rolled back
afterwards, as `evaluate_agent` does, so every pass sees the demo store as seeded. Only
`run_turn` is timed (saving the customer's message is not part of the pipeline). For
comparison, the understanding step alone is timed on the same messages.

Last, `evaluate_agent`'s harness runs 1,000 single-turn cases (the cases' first turns,
cycled) end to end: seeding, isolation, scoring and the violation referee included.

Prints turns per second and p50/p95/max per turn, as text or --json. Exits 1 when the
pipeline's p95 misses 30 ms per turn, the 1,000 cases take 2 minutes or more, or training
the intent model takes 2 s of CPU or more. Runs in its own throw-away database
(`bench_agent_<name>`); touches no other data.
Knobs: --min-turns (2000) turns timed at least, --warmup (1) untimed passes first,
--single-turn-cases (1000).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: not what production runs
os.environ["AGENT_LLM_PROVIDER"] = ""  # the built-in path only

CASE_FILES = [ROOT / "tests" / "eval" / "cases.jsonl", ROOT / "tests" / "eval" / "scenarios.jsonl"]
TARGET_P95_MS = 30.0
TARGET_EVALUATION_SECONDS = 120.0  # for 1,000 single-turn cases
TARGET_TRAINING_CPU_SECONDS = 2.0  # the intent model is trained at a worker's first use


def pin_to_one_core() -> str:
    """Run on a single CPU so 'turns per second' means per core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    core = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"cpu {core}"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summarise(seconds: list[float]) -> dict[str, float]:
    total = sum(seconds)
    return {
        "samples": len(seconds),
        "per_second": round(len(seconds) / total, 1) if total else 0.0,
        "mean_ms": round(1000 * statistics.fmean(seconds), 3),
        "p50_ms": round(1000 * percentile(seconds, 0.50), 3),
        "p95_ms": round(1000 * percentile(seconds, 0.95), 3),
        "max_ms": round(1000 * max(seconds), 3),
    }


@dataclass
class Samples:
    """Per turn: wall-clock seconds, this process's CPU seconds, SQL queries, SQL seconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)


class QueryClock:
    """A connection execute_wrapper counting queries and the time spent waiting on them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def play(cases: list[Any], store: Any, samples: Samples | None) -> int:
    """Every case once, each in a rolled-back savepoint; records each run_turn."""
    from django.db import connection, transaction

    from apps.agent.pipeline import run_turn
    from apps.chat.services import message_add_customer
    from apps.conversations.services import MessageRejected, conversation_start

    customers = {c.email: c.id for c in _demo_customers()}
    clock = QueryClock()
    turns = 0
    with connection.execute_wrapper(clock):
        for case in cases:
            with transaction.atomic():
                identity: dict[str, Any] = {}
                if case.logged_in:
                    identity = {
                        "customer_email": case.email,
                        "customer_platform_id": customers[case.email],
                        "customer_verified": True,
                    }
                conversation = conversation_start(store, **identity)
                for text in case.turns:
                    try:
                        message = message_add_customer(conversation, text)
                    except MessageRejected:
                        continue
                    queries, waited = clock.count, clock.seconds
                    started, cpu = time.perf_counter(), time.process_time()
                    run_turn(message)
                    if samples is not None:
                        samples.wall.append(time.perf_counter() - started)
                        samples.cpu.append(time.process_time() - cpu)
                        samples.queries.append(clock.count - queries)
                        samples.sql.append(clock.seconds - waited)
                    turns += 1
                transaction.set_rollback(True)
    return turns


def _demo_customers() -> list[Any]:
    from apps.integrations.commerce.demo.data import CUSTOMERS

    return list(CUSTOMERS)


def time_understanding(cases: list[Any], min_samples: int) -> list[float]:
    from apps.agent.understanding import understand

    texts = [t for c in cases for t in c.turns]
    for text in texts:  # warm-up
        understand(text)
    timings: list[float] = []
    while len(timings) < min_samples:
        for text in texts:
            started = time.perf_counter()
            understand(text)
            timings.append(time.perf_counter() - started)
    return timings


def time_training() -> float:
    """CPU seconds to train the intent model from data/train.jsonl (a worker's warm_up)."""
    from apps.agent.understanding.model import build

    started = time.process_time()
    build()
    return round(time.process_time() - started, 2)


def time_evaluation(cases: list[Any], count: int) -> dict[str, Any]:
    """`evaluate_agent` over `count` single-turn cases (the first turns, cycled)."""
    from dataclasses import replace

    from apps.agent.evaluation import evaluate

    singles = [
        replace(case, id=f"single-{n}", turns=case.turns[:1])
        for n, case in zip(range(count), itertools.cycle(cases), strict=False)
    ]
    report = evaluate(singles)
    summary = report.summary()
    return {
        "cases": summary["cases"],
        "seconds": round(report.seconds, 1),
        "intent_accuracy": summary["intent_accuracy"],
        "policy_violations": summary["policy_violations"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-turns", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--single-turn-cases", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pinned = pin_to_one_core()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from apps.agent.evaluation import load_cases
    from apps.integrations.commerce.demo import seed_demo_store

    cases = load_cases(CASE_FILES)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_agent_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        store = seed_demo_store()
        for _ in range(args.warmup):
            play(cases, store, None)
        samples = Samples()
        while len(samples.wall) < args.min_turns:
            play(cases, store, samples)
        pipeline = summarise(samples.wall)
        pipeline_cpu = summarise(samples.cpu)
        pipeline_sql = summarise(samples.sql)
        queries = {
            "mean": round(statistics.fmean(samples.queries), 1),
            "p95": percentile([float(q) for q in samples.queries], 0.95),
            "max": max(samples.queries),
        }
        understanding = summarise(time_understanding(cases, args.min_turns))
        training_cpu = time_training()
        evaluation = time_evaluation(cases, args.single_turn_cases)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    report = {
        "cases": len(cases),
        "core": pinned,
        "pipeline": pipeline,
        "pipeline_cpu_in_process": pipeline_cpu,
        "pipeline_sql_wait": pipeline_sql,
        "queries_per_turn": queries,
        "understanding": understanding,
        "training_cpu_seconds": training_cpu,
        "evaluate_agent_single_turn": evaluation,
        "target_p95_ms": TARGET_P95_MS,
        "target_evaluation_seconds": TARGET_EVALUATION_SECONDS,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{len(cases)} evaluation cases, one process ({pinned}), built-in understanding")
        for name, row in (
            ("pipeline (run_turn)", pipeline),
            ("  CPU in process", pipeline_cpu),
            ("  waiting on SQL", pipeline_sql),
            ("understanding alone", understanding),
        ):
            # The two parts of a turn's time have no rate of their own.
            rate = " " * 15 if name.startswith(" ") else f"{row['per_second']:>8.1f} turns/s"
            print(
                f"  {name:<20} {rate}   p50 {row['p50_ms']:7.2f} ms"
                f"   p95 {row['p95_ms']:7.2f} ms   max {row['max_ms']:7.2f} ms"
                f"   ({row['samples']} turns)"
            )
        print(
            f"  SQL queries per turn: mean {queries['mean']}, p95 {queries['p95']:.0f}, "
            f"max {queries['max']}"
        )
        print(f"  training the intent model: {training_cpu} s of CPU")
        print(
            f"  evaluate_agent: {evaluation['cases']} single-turn cases in "
            f"{evaluation['seconds']} s (fresh demo store, each case rolled back)"
        )
    missed = []
    if pipeline["p95_ms"] >= TARGET_P95_MS:
        missed.append(f"pipeline p95 {pipeline['p95_ms']} ms >= {TARGET_P95_MS} ms")
    scaled = evaluation["seconds"] * 1000 / max(1, evaluation["cases"])
    if scaled >= TARGET_EVALUATION_SECONDS:
        missed.append(f"1,000 single-turn cases would take {scaled:.0f} s")
    if training_cpu >= TARGET_TRAINING_CPU_SECONDS:
        missed.append(f"training took {training_cpu} s of CPU")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
