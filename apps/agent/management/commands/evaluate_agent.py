"""`manage.py evaluate_agent CASES.jsonl [...] [--store DOMAIN] [--platform P] [--json]`.

Plays every case against a fresh copy of the demo store (nothing is left in the database)
and scores intent, actions, replies and policy violations; see apps.agent.evaluation.
`--platform bigcommerce|woocommerce` plays the same cases, unchanged, on the demo store
rebuilt on that platform: a stand-in of its API (in this process, no network) holding the
demo's catalogue and orders in its shapes, reached through that platform's provider
(standins/demo_worlds.py). Exits 1 when any policy violation was found, so CI can gate on it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from apps.agent.evaluation import (
    DEFAULT_DOMAIN,
    CaseFileError,
    EvaluationError,
    Report,
    evaluate,
    evaluate_on,
    format_text,
    load_cases,
)


class Command(BaseCommand):
    help = "Evaluate the agent on JSONL cases against a fresh copy of the demo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cases", nargs="+", help="JSONL case file(s)")
        parser.add_argument("--store", default=DEFAULT_DOMAIN, help="demo store domain")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--platform",
            choices=("demo", "bigcommerce", "woocommerce"),
            default="demo",
            help="the platform the demo store runs on (a stand-in of its API)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cases = load_cases(options["cases"])
        except CaseFileError as exc:
            raise CommandError(str(exc)) from None
        if not cases:
            raise CommandError("no cases to run")
        try:
            if options["platform"] == "demo":
                report = evaluate(cases, domain=options["store"])
            else:
                report = _evaluate_on_platform(cases, options["platform"])
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            self.stdout.write(format_text(report))
        violations = report.summary()["policy_violations"]
        if violations:
            raise CommandError(f"{violations} policy violation(s)", returncode=1)


def _evaluate_on_platform(cases: list[Any], platform: str) -> Report:
    """The cases on the demo store rebuilt on `platform`; every row it wrote rolled back."""
    from standins.demo_worlds import platform_demo  # dev tooling: imported only here

    with transaction.atomic():
        with platform_demo(platform, timezone.now()) as world:
            report = evaluate_on(cases, world.store, reset=world.reset)  # type: ignore[arg-type]
        transaction.set_rollback(True)
    return report
