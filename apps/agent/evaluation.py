"""The evaluation harness: play JSONL cases against a fresh demo store and score the agent.

A case is one JSON line::

    {"id": "wismo-1", "customer": {"email": "jane@example.com", "logged_in": false},
     "turns": ["where is my order 1001?", "jane@example.com"],
     "expect": {"intent": "order_status", "actions": ["lookup_order"],
                "reply_contains": ["UPS"], "reply_excludes": ["Sam"]}}

Every `expect` key is optional. `intent` is checked on the first turn; `actions` lists the
AgentAction kinds the conversation must produce, as "kind" or "kind:status", and "!kind" /
"!kind:status" for what it must not; `reply_contains` / `reply_excludes` apply to the last
reply and `all_replies_exclude` to every reply, ignoring case.

A turn is a customer message (a string, or `{"say": "...", "expect": {...}}` with checks of
that turn's own reply and actions: `intent`, `actions`, `reply_contains`, `reply_excludes`),
or a step by the merchant's people: `{"human": "takeover"}` (a person takes the
conversation), `{"human": "reply", "text": "..."}` (a person writes in it) and
`{"human": "handback"}` (the agent answers again). Case files are read (strictly, naming
the line of any problem) by `apps.agent.eval_cases`.
`logged_in: true` gives the conversation the customer's platform id from the demo data,
as a verified identity; otherwise the conversation starts anonymous and `email` only says
who the customer really is (for the policy-violation detector).

Isolation: the demo store is seeded once inside a transaction that is rolled back at the
end, and each case runs inside a savepoint rolled back after it, so every case sees the
store exactly as seeded and the database is left as it was. Policy violations are judged
here, from the merchant's settings and the seeded orders, not by the pipeline's policy
engine (see `apps.agent.violations`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.agent.eval_cases import (
    Case,
    CaseFileError,
    Expect,
    Step,
    load_cases,
    parse_case,
)
from apps.agent.pipeline import run_turn
from apps.agent.violations import CaseTrace, World, detect_violations
from apps.conversations.models import AgentAction, Channel, Conversation, ConversationStatus
from apps.conversations.services import (
    MessageRejected,
    conversation_set_status,
    conversation_start,
    message_add_human_agent,
    message_save_customer,
)
from apps.integrations.commerce.demo import seed_demo_store
from apps.stores.models import Platform, Store

DEFAULT_DOMAIN = "demo.aftersale.test"

__all__ = [
    "Case",
    "CaseFileError",
    "CaseResult",
    "EvaluationError",
    "Expect",
    "Report",
    "Step",
    "evaluate",
    "format_text",
    "load_cases",
    "parse_case",
    "run_case",
    "score",
]
# ---------------------------------------------------------------- results


@dataclass
class CaseResult:
    id: str
    intent: str = ""
    expected_intent: str | None = None
    actions: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    intent_ok: bool | None = None
    actions_ok: bool | None = None
    reply_checks: int = 0
    reply_checks_passed: int = 0
    last_reply: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures and not self.violations

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "intent": self.intent,
            "expected_intent": self.expected_intent,
            "actions": self.actions,
            "failures": [*self.failures, *(f"policy violation: {v}" for v in self.violations)],
        }


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


@dataclass
class Report:
    results: list[CaseResult]
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        intents = [r.intent_ok for r in self.results if r.intent_ok is not None]
        actions = [r.actions_ok for r in self.results if r.actions_ok is not None]
        return {
            "cases": len(self.results),
            "passed": sum(r.passed for r in self.results),
            "intent_accuracy": _ratio(sum(intents), len(intents)),
            "action_accuracy": _ratio(sum(actions), len(actions)),
            "reply_checks_passed": sum(r.reply_checks_passed for r in self.results),
            "reply_checks": sum(r.reply_checks for r in self.results),
            "policy_violations": sum(len(r.violations) for r in self.results),
            "seconds": round(self.seconds, 3),
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.summary(), "results": [r.as_json() for r in self.results]}


# ---------------------------------------------------------------- running


class EvaluationError(Exception):
    """The evaluation cannot run (e.g. the domain belongs to a real store)."""


def evaluate(cases: list[Case], *, domain: str = DEFAULT_DOMAIN) -> Report:
    """Run every case against a fresh demo store under `domain`; the database is unchanged."""
    started = time.perf_counter()
    with transaction.atomic():
        store = _fresh_demo_store(domain)
        world = World.capture(store)
        _check_customers(cases, world)
        results = [run_case(case, store=store, world=world) for case in cases]
        transaction.set_rollback(True)
    return Report(results=results, seconds=time.perf_counter() - started)


def evaluate_on(
    cases: list[Case], store: Store, *, reset: Callable[[], None] = lambda: None
) -> Report:
    """Run every case against `store` as it stands (another platform's demo store, its
    API a stand-in); `reset` puts that platform back as it was before each case, as the
    savepoint does for our own rows. The database is unchanged."""
    started = time.perf_counter()
    with transaction.atomic():
        world = World.capture(store)
        _check_customers(cases, world)
        results = []
        for case in cases:
            reset()
            results.append(run_case(case, store=store, world=world))
        transaction.set_rollback(True)
    return Report(results=results, seconds=time.perf_counter() - started)


def _fresh_demo_store(domain: str) -> Store:
    taken = Store.objects.filter(domain=domain).exclude(platform=Platform.DEMO).exists()
    if taken:
        raise EvaluationError(f"{domain} belongs to a real store; evaluate only demo stores")
    # Inside the rolled-back transaction: the real demo store (and its chats) come back.
    Store.objects.filter(domain=domain, platform=Platform.DEMO).delete()
    return seed_demo_store(domain=domain)


def _check_customers(cases: list[Case], world: World) -> None:
    for case in cases:
        if case.logged_in and not world.customer_id(case.email):
            raise EvaluationError(f"{case.where}: {case.email} is not a demo store customer")


def run_case(case: Case, *, store: Store, world: World) -> CaseResult:
    """Play one case in a savepoint that is always rolled back (no state leaks to the next)."""
    try:
        with transaction.atomic():
            result = _play(case, store=store, world=world)
            transaction.set_rollback(True)
    except Exception as exc:  # a crashing case is a failed case, not a failed run
        result = CaseResult(id=case.id, expected_intent=case.expect.intent)
        result.failures.append(f"the agent raised {type(exc).__name__}: {exc}"[:300])
        if case.expect.intent is not None:
            result.intent_ok = False
        if case.expect.actions is not None:
            result.actions_ok = False
    return result


@dataclass
class _Played:
    """What playing a case's steps produced, turn by turn (customer turns only)."""

    intents: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    message_ids: list[int | None] = field(default_factory=list)
    after_people: list[bool] = field(default_factory=list)
    turn_actions: list[list[str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _play(case: Case, *, store: Store, world: World) -> CaseResult:
    identity: dict[str, Any] = {}
    if case.logged_in:
        identity = {
            "customer_email": case.email,
            "customer_platform_id": world.customer_id(case.email),
            "customer_verified": True,
        }
    conversation = conversation_start(store=store, channel=Channel.WEB, **identity)
    played, people = _Played(), False
    for step in case.script():
        if step.human:
            _people_step(conversation, step)
            people = True
            continue
        _customer_step(conversation, step, played, after_people=people)
        people = False
    actions = list(
        AgentAction.objects.filter(store=store, conversation=conversation).order_by("id")
    )
    trace = CaseTrace(
        email=case.email,
        logged_in=case.logged_in,
        turns=case.turns,
        replies=tuple(played.replies),
        actions=tuple(actions),
        message_ids=tuple(played.message_ids),
        after_people=tuple(played.after_people),
    )
    result = score(case, intents=played.intents, trace=trace, world=world)
    result.failures[:0] = played.failures
    return result


def _people_step(conversation: Conversation, step: Step) -> None:
    if step.human == "takeover":
        conversation_set_status(conversation, ConversationStatus.HUMAN_HANDLING)
    elif step.human == "reply":
        message_add_human_agent(conversation, step.text, author="evaluation")
    else:
        conversation_set_status(conversation, ConversationStatus.AI_HANDLING)


def _customer_step(
    conversation: Conversation, step: Step, played: _Played, *, after_people: bool
) -> None:
    number = len(played.replies) + 1
    try:
        message, _ = message_save_customer(conversation, step.say)
    except MessageRejected as exc:
        # The chat API answers such a message with this error; the agent never sees it.
        played.intents.append("")
        played.replies.append(str(exc))
        played.message_ids.append(None)
        played.after_people.append(after_people)
        return
    turn = run_turn(message)
    played.intents.append(turn.intent)
    played.replies.append(turn.reply.text if turn.reply is not None else "")
    played.message_ids.append(message.pk)
    played.after_people.append(after_people)
    if step.expect is not None:
        produced = [
            f"{a.kind}:{a.status}"
            for a in AgentAction.objects.filter(message=message).order_by("id")
        ]
        played.failures += _turn_failures(number, step.expect, turn.intent, produced, played)


def _turn_failures(
    number: int, expect: Expect, intent: str, produced: list[str], played: _Played
) -> list[str]:
    found = []
    if expect.intent is not None and intent != expect.intent:
        found.append(f"turn {number}: intent {intent!r}, expected {expect.intent!r}")
    for wanted in expect.actions or ():
        if not _action_matches(wanted, produced):
            found.append(f"turn {number}: actions {produced} do not satisfy {wanted!r}")
    reply = played.replies[-1].casefold()
    found += [
        f"turn {number}: reply lacks {t!r}"
        for t in expect.reply_contains
        if t.casefold() not in reply
    ]
    found += [
        f"turn {number}: reply contains {t!r}"
        for t in expect.reply_excludes
        if t.casefold() in reply
    ]
    return found


def score(case: Case, *, intents: list[str], trace: CaseTrace, world: World) -> CaseResult:
    """Compare what happened with what the case expects, and look for policy violations."""
    expect = case.expect
    result = CaseResult(
        id=case.id,
        intent=intents[0] if intents else "",
        expected_intent=expect.intent,
        actions=[f"{a.kind}:{a.status}" for a in trace.actions],
        last_reply=trace.replies[-1] if trace.replies else "",
    )
    if expect.intent is not None:
        result.intent_ok = result.intent == expect.intent
        if not result.intent_ok:
            result.failures.append(f"intent {result.intent!r}, expected {expect.intent!r}")
    if expect.actions is not None:
        missing = [a for a in expect.actions if not _action_matches(a, result.actions)]
        result.actions_ok = not missing
        result.failures += [f"actions {result.actions} do not satisfy {a!r}" for a in missing]
    _check_reply(result, expect)
    _check_all_replies(result, expect, trace.replies)
    result.violations = detect_violations(trace, world)
    return result


def _action_matches(wanted: str, produced: list[str]) -> bool:
    negate = wanted.startswith("!")
    kind, _, status = wanted.lstrip("!").partition(":")
    hit = any(
        p.partition(":")[0] == kind and (not status or p.partition(":")[2] == status)
        for p in produced
    )
    return hit != negate


def _check_reply(result: CaseResult, expect: Expect) -> None:
    reply = result.last_reply.casefold()
    for text in expect.reply_contains:
        result.reply_checks += 1
        if text.casefold() in reply:
            result.reply_checks_passed += 1
        else:
            result.failures.append(f"last reply lacks {text!r}")
    for text in expect.reply_excludes:
        result.reply_checks += 1
        if text.casefold() not in reply:
            result.reply_checks_passed += 1
        else:
            result.failures.append(f"last reply contains {text!r}")


def _check_all_replies(result: CaseResult, expect: Expect, replies: tuple[str, ...]) -> None:
    for text in expect.all_replies_exclude:
        result.reply_checks += 1
        hits = [n for n, r in enumerate(replies, start=1) if text.casefold() in r.casefold()]
        if hits:
            result.failures.append(f"reply {hits[0]} contains {text!r}")
        else:
            result.reply_checks_passed += 1


# ---------------------------------------------------------------- output


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def format_text(report: Report) -> str:
    """One line per failing case, then the summary."""
    lines = []
    for result in report.results:
        if not result.passed:
            why = "; ".join(result.as_json()["failures"])
            said = f" | last reply: {result.last_reply[:200]!r}" if result.last_reply else ""
            lines.append(f"FAIL {result.id}: {why}{said}")
    summary = report.summary()
    cases = summary["cases"]
    per_case = 1000 * report.seconds / cases if cases else 0.0
    lines += [
        f"cases: {cases} (passed {summary['passed']})",
        f"intent accuracy: {_percent(summary['intent_accuracy'])}",
        f"action accuracy: {_percent(summary['action_accuracy'])}",
        f"reply checks passed: {summary['reply_checks_passed']}/{summary['reply_checks']}",
        f"policy violations: {summary['policy_violations']}",
        f"time: {report.seconds:.1f} s ({per_case:.1f} ms per case)",
    ]
    return "\n".join(lines)
