"""Facts a reply may state, and the checker that holds a rephrased reply to them.

A template reply is built only from tool results and knowledge entries. A rephrased reply
(from the optional assistant) is accepted only if every concrete value in it — URLs,
email addresses, order names, tracking numbers and other codes, amounts and every other
number — already appears in the facts or in the template draft. Words are free; values
are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"')\]]+")
_EMAIL = re.compile(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
# Codes mix letters and digits (tracking numbers, SKUs, discount codes): 1Z999AA1012...
_CODE = re.compile(r"(?i)\b(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9][a-z0-9-]{4,}[a-z0-9]\b")
# 1,234.50 / 89 / 89.00 / 12,5 ; thousands separators are folded before comparing.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class FactTokens:
    urls: frozenset[str]
    emails: frozenset[str]
    codes: frozenset[str]
    numbers: frozenset[Decimal]


def _url_key(url: str) -> str:
    url = url.rstrip(".,;:!?").lower()
    url = re.sub(r"^https?://", "", url)
    return url.removeprefix("www.").rstrip("/")


def _number(text: str) -> Decimal | None:
    cleaned = text
    if "," in cleaned and "." in cleaned or re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned).normalize()
    except InvalidOperation:
        return None


def _numbers(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        value = _number(match.group().rstrip(".,"))
        if value is not None:
            found.add(value)
    return found


def tokens(text: str) -> FactTokens:
    """Every concrete value in `text`; each found value is cut out before the next kind."""
    urls = {_url_key(u) for u in _URL.findall(text)}
    rest = _URL.sub(" ", text)
    emails = {e.lower() for e in _EMAIL.findall(rest)}
    rest = _EMAIL.sub(" ", rest)
    codes = {c.lower() for c in _CODE.findall(rest)}
    rest = _CODE.sub(" ", rest)
    return FactTokens(
        urls=frozenset(urls),
        emails=frozenset(emails),
        codes=frozenset(codes),
        numbers=frozenset(_numbers(rest)),
    )


def unsupported_facts(text: str, allowed: list[str] | tuple[str, ...]) -> list[str]:
    """The values in `text` that none of the `allowed` texts contains (empty = grounded)."""
    candidate = tokens(text)
    known = tokens("\n".join(allowed))
    # A code or URL in the facts also vouches for the numbers written inside it.
    known_numbers = set(known.numbers)
    for code in known.codes | known.urls:
        known_numbers |= _numbers(code)
    missing: list[str] = []
    missing += sorted(u for u in candidate.urls if u not in known.urls)
    missing += sorted(e for e in candidate.emails if e not in known.emails)
    missing += sorted(c for c in candidate.codes if c not in known.codes)
    missing += sorted(format(n, "f") for n in candidate.numbers if n not in known_numbers)
    return missing


@dataclass(frozen=True)
class Facts:
    """Labelled values from tool results and knowledge entries, e.g. ("tracking_number", ...)."""

    items: tuple[tuple[str, str], ...] = ()

    def texts(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.items)

    def as_dict(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for label, value in self.items:
            grouped.setdefault(label, []).append(value)
        return grouped

    def unsupported_in(self, text: str, *, draft: str = "") -> list[str]:
        """Values in `text` found neither in these facts nor in the template `draft`."""
        return unsupported_facts(text, (*self.texts(), draft))


class FactsBuilder:
    """Collects facts while a skill works; `build()` freezes them."""

    def __init__(self) -> None:
        self._items: list[tuple[str, str]] = []

    def add(self, label: str, value: object) -> None:
        text = str(value).strip() if value is not None else ""
        if text and (label, text) not in self._items:
            self._items.append((label, text))

    def build(self) -> Facts:
        return Facts(items=tuple(self._items))
