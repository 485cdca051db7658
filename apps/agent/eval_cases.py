"""The evaluation harness's case files: JSONL, one case per line, read strictly.

See `apps.agent.evaluation` for the format; every problem names the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_TURNS = 20
MAX_TURN_CHARS = 4000
_CASE_KEYS = frozenset({"id", "customer", "turns", "expect"})
_CUSTOMER_KEYS = frozenset({"email", "logged_in"})
_EXPECT_KEYS = frozenset(
    {"intent", "actions", "reply_contains", "reply_excludes", "all_replies_exclude"}
)
_TURN_EXPECT_KEYS = frozenset({"intent", "actions", "reply_contains", "reply_excludes"})
_SAY_KEYS = frozenset({"say", "expect"})
_HUMAN_KEYS = frozenset({"human", "text"})
HUMAN_STEPS = ("takeover", "reply", "handback")


class CaseFileError(ValueError):
    """A cases file that cannot be read; the message names the file and line."""


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Expect:
    intent: str | None = None
    actions: tuple[str, ...] | None = None
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()
    all_replies_exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of a case: a customer message (`say`, with its own checks), or a step by
    the merchant's people (`human`: takeover / reply / handback)."""

    say: str = ""
    human: str = ""
    text: str = ""
    expect: Expect | None = None


@dataclass(frozen=True)
class Case:
    id: str
    email: str
    logged_in: bool
    turns: tuple[str, ...]
    expect: Expect
    where: str = ""
    # The full script when it holds more than plain messages (people, per-turn checks).
    steps: tuple[Step, ...] = ()

    def script(self) -> tuple[Step, ...]:
        """The steps to play: `steps` when they tell the same messages as `turns` (a copy
        with fewer turns, e.g. the benchmark's single-turn cases, plays just those)."""
        if self.steps and tuple(s.say for s in self.steps if not s.human) == self.turns:
            return self.steps
        return tuple(Step(say=t) for t in self.turns)


def load_cases(paths: Iterable[Path | str]) -> list[Case]:
    """Every case of every file, in order. Raises CaseFileError naming the bad line."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in paths:
        for case in _read_file(Path(path)):
            if case.id in seen:
                raise CaseFileError(
                    f"{case.where}: duplicate case id {case.id!r} ({seen[case.id]})"
                )
            seen[case.id] = case.where
            cases.append(case)
    return cases


def _read_file(path: Path) -> list[Case]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"{path}: cannot read ({exc.__class__.__name__})") from exc
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CaseFileError(f"{where}: invalid JSON ({exc.msg})") from None
        cases.append(parse_case(raw, where=where))
    return cases


def _fail(where: str, problem: str) -> CaseFileError:
    return CaseFileError(f"{where}: {problem}")


def _object(value: object, allowed: frozenset[str], where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"{what} must be a JSON object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) in {what}: {', '.join(unknown)}")
    return value


def _strings(value: object, where: str, what: str, *, empty_ok: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"{what} must be a list of non-empty strings")
    if not value and not empty_ok:
        raise _fail(where, f"{what} must not be empty")
    return tuple(value)


def parse_case(raw: object, *, where: str) -> Case:
    """One case from its decoded JSON; raises CaseFileError for anything unexpected."""
    data = _object(raw, _CASE_KEYS, where, "the case")
    case_id = data.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise _fail(where, "id must be a non-empty string")
    customer = _object(data.get("customer", {}), _CUSTOMER_KEYS, where, "customer")
    email = customer.get("email", "")
    logged_in = customer.get("logged_in", False)
    if not isinstance(email, str) or not isinstance(logged_in, bool):
        raise _fail(where, "customer.email must be a string and customer.logged_in a boolean")
    if logged_in and not email.strip():
        raise _fail(where, "a logged-in customer needs an email")
    steps = _parse_steps(data.get("turns"), where)
    turns = tuple(s.say for s in steps if not s.human)
    if not turns or len(steps) > MAX_TURNS or any(len(t) > MAX_TURN_CHARS for t in turns):
        raise _fail(
            where, f"1 to {MAX_TURNS} turns of at most {MAX_TURN_CHARS} characters, one message"
        )
    return Case(
        id=case_id,
        email=email.strip().lower(),
        logged_in=logged_in,
        turns=turns,
        expect=_parse_expect(data.get("expect", {}), where),
        where=where,
        steps=steps,
    )


def _parse_steps(raw: object, where: str) -> tuple[Step, ...]:
    if not isinstance(raw, list):
        raise _fail(where, "turns must be a list of non-empty strings (or steps)")
    if not raw:
        raise _fail(where, "turns must not be empty")
    return tuple(_parse_step(item, where, n) for n, item in enumerate(raw, start=1))


def _parse_step(item: object, where: str, n: int) -> Step:
    if isinstance(item, str):
        if not item.strip():
            raise _fail(where, "turns must be a list of non-empty strings or steps")
        return Step(say=item)
    if isinstance(item, dict) and "human" in item:
        data = _object(item, _HUMAN_KEYS, where, f"turn {n}")
        kind, text = data.get("human"), data.get("text", "")
        if kind not in HUMAN_STEPS:
            raise _fail(where, f"turn {n}: human must be one of {', '.join(HUMAN_STEPS)}")
        if not isinstance(text, str) or (kind == "reply") != bool(text.strip()):
            raise _fail(where, f"turn {n}: a human reply needs text, other steps none")
        return Step(human=kind, text=text)
    data = _object(item, _SAY_KEYS, where, f"turn {n}")
    said = data.get("say")
    if not isinstance(said, str) or not said.strip():
        raise _fail(where, f"turn {n}: say must be a non-empty string")
    expect = _parse_expect(data.get("expect", {}), where, keys=_TURN_EXPECT_KEYS)
    return Step(say=said, expect=expect)


def _parse_expect(raw: object, where: str, keys: frozenset[str] = _EXPECT_KEYS) -> Expect:
    data = _object(raw, keys, where, "expect")
    intent = data.get("intent")
    if intent is not None and (not isinstance(intent, str) or not intent.strip()):
        raise _fail(where, "expect.intent must be a non-empty string")
    actions = data.get("actions")
    return Expect(
        intent=intent,
        actions=_strings(actions, where, "expect.actions") if actions is not None else None,
        reply_contains=_strings(data.get("reply_contains", []), where, "expect.reply_contains"),
        reply_excludes=_strings(data.get("reply_excludes", []), where, "expect.reply_excludes"),
        all_replies_exclude=_strings(
            data.get("all_replies_exclude", []), where, "expect.all_replies_exclude"
        ),
    )
