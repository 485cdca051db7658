"""`manage.py evaluate_agent CASES.jsonl [...] [--store DOMAIN] [--json]`.

Plays every case against a fresh copy of the demo store (nothing is left in the database)
and scores intent, actions, replies and policy violations; see apps.agent.evaluation.
Exits 1 when any policy violation was found, so CI can gate on it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.agent.evaluation import (
    DEFAULT_DOMAIN,
    CaseFileError,
    EvaluationError,
    evaluate,
    format_text,
    load_cases,
)


class Command(BaseCommand):
    help = "Evaluate the agent on JSONL cases against a fresh copy of the demo store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cases", nargs="+", help="JSONL case file(s)")
        parser.add_argument("--store", default=DEFAULT_DOMAIN, help="demo store domain")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cases = load_cases(options["cases"])
        except CaseFileError as exc:
            raise CommandError(str(exc)) from None
        if not cases:
            raise CommandError("no cases to run")
        try:
            report = evaluate(cases, domain=options["store"])
        except EvaluationError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            self.stdout.write(format_text(report))
        violations = report.summary()["policy_violations"]
        if violations:
            raise CommandError(f"{violations} policy violation(s)", returncode=1)
