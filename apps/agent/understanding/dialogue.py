"""Reading a message as the answer to what the agent asked last turn.

The rule, for the pipeline: pass `awaiting` = what the last reply asked for.

- "order_number", "email", "phone", "contact": any identifying detail (an order number, an e-mail
  address or a phone number) answers; customers often give the one they have.
- "tracking_number", "amount": that entity answers.
- "confirmation" (or any "..._confirmation", e.g. "handoff_confirmation"): a yes or a no answers
  (see rules.yes_no); `is_affirmative` / `is_negative` say which.
- anything else ("address", "item", "reason", "size"...): any non-empty text answers.

An answer keeps the conversation's intent: `intent` = previous_intent (or "order_status" for an
order number with no previous intent, else "other"), `answers` = awaiting, source "answer".
A message is *not* an answer, and is classified afresh, when it asks for a person, or when
besides the answer it says something the classifier reads as a different intent with
confidence of at least OVERRIDE (a higher bar for free-text answers, which are wordier).
"""

from __future__ import annotations

from collections.abc import Callable

from apps.agent.understanding.text import PLACEHOLDERS
from apps.agent.understanding.types import Entities
from apps.agent.understanding.words import words

OVERRIDE = 0.7
OVERRIDE_FREE_TEXT = 0.9

_IDENTITY = ("order_number", "email", "phone", "contact")
_ENTITY_AWAITS: dict[str, Callable[[Entities], bool]] = {
    **{kind: lambda e: bool(e.order_numbers or e.emails or e.phones) for kind in _IDENTITY},
    "tracking_number": lambda e: bool(e.tracking_numbers),
    "amount": lambda e: bool(e.amounts),
}
# Words that carry no request of their own around an answer ("sure, it's #1001, thanks").
FILLERS = words(
    """
    it is its my the a an order number num no email mail address phone mobile cell here you go
    sure ok okay yes yeah yep yup please thanks thank thx and also or that should be i think hi
    hello hey was are this one sorry oh ah um so well just sent by with on under used nope nah
    not really correct right fine do go ahead
    """
)


def residual(tokens: list[str]) -> list[str]:
    """The tokens left once entities and filler words are taken out."""
    return [t for t in tokens if t not in PLACEHOLDERS and t not in FILLERS and t != "num"]


def is_confirmation(awaiting: str) -> bool:
    """ "confirmation" and any "<something>_confirmation" await a yes or a no."""
    return awaiting == "confirmation" or awaiting.endswith("_confirmation")


def answer_present(awaiting: str, entities: Entities, yes: bool, no: bool, text: str) -> bool:
    if is_confirmation(awaiting):
        return yes or no
    check = _ENTITY_AWAITS.get(awaiting)
    if check is not None:
        return check(entities)
    return bool(text.strip())


def override_threshold(awaiting: str) -> float:
    known = is_confirmation(awaiting) or awaiting in _ENTITY_AWAITS
    return OVERRIDE if known else OVERRIDE_FREE_TEXT


def answer_intent(previous_intent: str | None, entities: Entities) -> str:
    if previous_intent is not None:
        return previous_intent
    return "order_status" if entities.order_numbers else "other"
