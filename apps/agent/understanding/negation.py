"""What the customer says they do NOT want: "I do NOT want a refund", "please don't cancel".

The classifier weighs words, so "refund" in "not a refund, just the tracking" still pulls
towards refund_request. This finds the actions a message explicitly turns down, so the intent
can never be one of them and the consent rules can see the refusal ("don't cancel" is never a
yes to a cancellation).

A refusal is a negator followed by at most a few filler words ("want", "need", "a", "looking
for") and then the action word. Anything else between them breaks it: "I have not received my
refund" reports a missing refund, it does not refuse one.
"""

from __future__ import annotations

import re

_NEGATOR = r"(?:do\s*n[o']?t|dont|doesnt|does\s+not|not|no|never|without|rather\s+not)"
_FILLER = (
    r"(?:i|im|am|want|wanna|need|needed|wish|like|looking|asking|interested|in|for|a|an|the|to|"
    r"any|it|please|pls|request|requesting|ask|me|my|this|that|is|be|talk|speak|chat|with|"
    r"going)"
)
_ACTIONS: tuple[tuple[str, str], ...] = (
    ("refund_request", r"refund\w*|reimburse\w*|money\s+back|rebate|restitution|compensation"),
    ("cancel_order", r"cancel\w*|annul\w*|terminat\w*|void"),
    ("return_request", r"return(?:s|ing)?|send\w*\s+(?:it\s+)?back|exchange\w*|replacement"),
    ("change_address", r"change\s+(?:the\s+|my\s+)?address"),
    ("human_handoff", r"human|person|agent|representative|someone"),
)
_REFUSALS = tuple(
    (intent, re.compile(rf"\b{_NEGATOR}(?:\s+{_FILLER}){{0,5}}\s+(?:{words})\b", re.I))
    for intent, words in _ACTIONS
)
# "not only a refund" / "no more than" / "not just" do not refuse anything.
_NOT_A_REFUSAL = re.compile(r"\bnot\s+(?:only|just)\b|\bno\s+(?:more|less)\s+than\b", re.I)


def refused_intents(text: str) -> tuple[str, ...]:
    """The intents `text` explicitly turns down, in a fixed order."""
    plain = _NOT_A_REFUSAL.sub(" ", text.replace("’", "'"))
    return tuple(intent for intent, pattern in _REFUSALS if pattern.search(plain))
