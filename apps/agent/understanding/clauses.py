"""Several asks in one message: "cancel #1002, and also where is #1001?".

The message is cut where a new ask usually starts (a sentence end, "also", "and can you", "plus")
and each piece is classified on its own; a piece the classifier is sure about and that asks for
something other than the main intent is a further request. The pipeline then handles the main
one and says it will come back to the rest, rather than silently dropping them.
"""

from __future__ import annotations

import re

MAX_CLAUSES = 4
MIN_CLAUSE_TOKENS = 2
_BREAK = re.compile(
    r"[.?!;\n]+\s*"
    r"|,?\s*\b(?:and\s+also|also|plus|additionally|as\s+well\s+as|besides\s+that|and\s+then)\b"
    r"|,?\s*\band\b(?=\s+(?:i|can|could|would|please|pls|when|where|what|how|do|does|is)\b)"
    r"|,\s*(?=(?:can|could|would|please|pls|when|where|what|how|do|does|is)\b)",
    re.I,
)


def split_clauses(text: str) -> list[str]:
    """The pieces of `text` that may each be an ask (at most MAX_CLAUSES; the rest stays joined)."""
    pieces = [p.strip(" ,") for p in _BREAK.split(text)]
    pieces = [p for p in pieces if len(p.split()) >= MIN_CLAUSE_TOKENS]
    if len(pieces) > MAX_CLAUSES:
        pieces = [*pieces[: MAX_CLAUSES - 1], " ".join(pieces[MAX_CLAUSES - 1 :])]
    return pieces
