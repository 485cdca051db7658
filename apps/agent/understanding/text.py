"""Turning a raw message into the tokens the classifier reads."""

from __future__ import annotations

import re
import unicodedata

from apps.agent.understanding.entities.spans import mask
from apps.agent.understanding.lexicon import SYNONYMS, VARIANTS

MAX_INPUT_CHARS = 2000  # longer messages are cut before any regex runs: time stays bounded
MAX_MODEL_TOKENS = 160  # a rambling message keeps its start and its end, where the ask usually is
_HEAD_TOKENS = 110
PLACEHOLDERS = frozenset({"ordernum", "emailaddr", "phonenum", "moneyamt", "trackingnum"})
_APOSTROPHES = re.compile(r"[’‘`´']")
_WORDS = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> tuple[str, bool]:
    """NFKC-normalise, drop control characters and cut to MAX_INPUT_CHARS; say if it was cut."""
    truncated = len(text) > MAX_INPUT_CHARS
    text = text[:MAX_INPUT_CHARS]
    text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub(" ", text).strip(), truncated


def raw_tokens(text: str) -> list[str]:
    """Lowercase word tokens with apostrophes dropped ("Where's" -> "wheres")."""
    return _WORDS.findall(_APOSTROPHES.sub("", text.lower()))


def rewrite(token: str) -> tuple[str, ...]:
    """One raw token as the classifier reads it: spelling variants and synonyms unified."""
    if token.isdigit():
        return ("num",)
    if token in VARIANTS:
        return tuple(SYNONYMS.get(t, t) for t in VARIANTS[token])
    # Repeated letters ("pleaaase", "hellooo") collapse to two, which the variants then catch.
    squeezed = re.sub(r"(.)\1{2,}", r"\1\1", token)
    if squeezed != token:
        return rewrite(squeezed)
    return (SYNONYMS.get(token, token),)


def model_tokens(text: str, placeholders: tuple[tuple[int, int, str], ...]) -> list[str]:
    """Tokens for the classifier: entities as placeholders, spellings unified, length bounded."""
    tokens: list[str] = []
    for token in raw_tokens(mask(text, list(placeholders))):
        tokens.extend(rewrite(token))
    if len(tokens) > MAX_MODEL_TOKENS:
        tokens = tokens[:_HEAD_TOKENS] + tokens[-(MAX_MODEL_TOKENS - _HEAD_TOKENS) :]
    return tokens
