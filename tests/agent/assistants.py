"""Scripted assistants for the hook's tests (AGENT_ASSISTANT points at these factories)."""

from __future__ import annotations

from decimal import Decimal

from apps.agent.assistant import AssistContext
from apps.agent.facts import Facts
from apps.agent.understanding.types import Entities, Money, Understanding

calls: list[str] = []


class Scripted:
    def __init__(self, *, phrase: object = None, understanding: object = None) -> None:
        self._phrase = phrase
        self._understanding = understanding

    def understand(self, text: str, context: AssistContext) -> Understanding | None:
        calls.append(
            f"understand:{context.awaiting}:{context.builtin.intent if context.builtin else ''}"
        )
        if isinstance(self._understanding, Exception):
            raise self._understanding
        return self._understanding  # type: ignore[return-value]

    def phrase(self, draft: str, facts: Facts, tone: str) -> str | None:
        calls.append(f"phrase:{tone}")
        if isinstance(self._phrase, Exception):
            raise self._phrase
        if callable(self._phrase):
            return self._phrase(draft, facts)  # type: ignore[no-any-return]
        return self._phrase  # type: ignore[return-value]


def grounded() -> Scripted:
    return Scripted(phrase=lambda draft, facts: "Rephrased: " + draft.replace("\n", " "))


def inventive() -> Scripted:
    return Scripted(phrase=lambda draft, facts: draft + " Use code SAVE20NOW for $20 off!")


def broken() -> Scripted:
    return Scripted(phrase=TimeoutError("model timed out"), understanding=TimeoutError("slow"))


def nonsense() -> Scripted:
    odd = Understanding("launch_rockets", 0.99, {"launch_rockets": 0.99}, Entities())
    return Scripted(phrase=42, understanding=odd)


def reader() -> Scripted:
    """Reads every message as a refund request with an amount the customer never wrote."""
    invented = Entities(amounts=(Money(Decimal("900"), "USD", "$900"),), order_numbers=("1011",))
    return Scripted(understanding=Understanding("refund_request", 0.9, {}, invented))


def off() -> None:
    return None
