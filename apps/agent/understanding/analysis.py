"""The shared first pass over a message: clean it, extract entities, derive model tokens."""

from __future__ import annotations

from dataclasses import dataclass

from apps.agent.understanding.entities import Extraction, extract
from apps.agent.understanding.text import clean, model_tokens


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    truncated: bool
    extraction: Extraction
    tokens: list[str]


def analyse(raw: str) -> Analysis:
    text, truncated = clean(raw)
    extraction = extract(text)
    return Analysis(text, truncated, extraction, model_tokens(text, extraction.placeholders))


def tokens_for(raw: str) -> list[str]:
    return analyse(raw).tokens
