"""The respond step: optional rephrasing held to the facts, then plain, bounded text."""

from __future__ import annotations

import html
import re

from apps.agent.assistant import Assistant, assisted_phrasing
from apps.agent.context import Draft, Turn

MAX_REPLY_LENGTH = 1200
_TAG = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def plain_text(text: str) -> str:
    """No HTML (the widget shows text; URLs stay plain), tidy spaces, bounded length."""
    text = html.unescape(_TAG.sub(" ", text)).replace("<", "").replace(">", "")
    cleaned = "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    if len(cleaned) <= MAX_REPLY_LENGTH:
        return cleaned
    cut = cleaned[:MAX_REPLY_LENGTH]
    end = max(cut.rfind("\n"), cut.rfind(". "))
    return (cut[: end + 1] if end > MAX_REPLY_LENGTH // 2 else cut.rstrip() + "…").strip()


def respond(turn: Turn, draft: Draft, assistant: Assistant) -> tuple[str, bool]:
    """The reply text, and whether the assistant's phrasing was used.

    A confirmation prompt is never rephrased: the customer agrees to exact words.
    """
    if not draft.confirm:
        phrased = assisted_phrasing(assistant, draft.text, turn.facts.build(), turn.tone)
        if phrased is not None:
            return plain_text(phrased), True
    return plain_text(draft.text), False
