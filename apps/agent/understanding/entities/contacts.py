"""E-mail addresses and phone numbers."""

from __future__ import annotations

import re

from apps.agent.understanding.entities.spans import Claims
from apps.agent.understanding.types import Phone

_EMAIL = re.compile(
    r"(?<![\w.+'-])[\w.+'-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\b", re.I
)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
# A run of digits with the separators people type in phone numbers; validated below.
_PHONE = re.compile(r"(?<![\w+#$€£])(\+|\(|00)?\d[\d \t().\-]{5,22}\d(?![\w%])")
_SEPARATORS = re.compile(r"[ \t().\-]+")


def extract_emails(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for m in _EMAIL.finditer(text):
        if claims.claim(m.start(), m.end()):
            found.append((m.start(), m.end(), m.group(0).lower()))
    return found


def claim_urls(text: str, claims: Claims) -> None:
    """Links are not read for entities: a path like /orders/1001 is the shop's, not an answer."""
    for m in _URL.finditer(text):
        claims.claim(m.start(), m.end())


def _plausible(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    groups = [g for g in _SEPARATORS.split(raw.strip("+()")) if g]
    if raw.startswith(("+", "00")):
        return 8 <= len(digits) <= 15
    if len(groups) == 1:
        # An unformatted run: a 10-digit national number, or 11 with a leading 1 or 0.
        return len(digits) == 10 or (len(digits) == 11 and digits[0] in "01")
    if not 10 <= len(digits) <= 13 or all(len(g) == 4 for g in groups):
        return False  # "1001 1002 1003" is a list of orders, not a phone
    # Numbers end in a group of 3+ digits, except the all-pairs style ("06 12 34 56 78").
    pairs = all(len(g) == 2 for g in groups[1:])
    if len(groups[-1]) < 3 and not pairs:
        return False
    return len(groups) <= 5 and all(len(g) <= 6 for g in groups)


def _trim_to_plausible(raw: str) -> str | None:
    """Drop trailing groups ("555-123-4567 2" -> "555-123-4567") until it reads as a phone."""
    candidate = raw
    while candidate:
        if _plausible(candidate):
            return candidate
        cut = max(candidate.rfind(c) for c in " \t-.)")
        if cut <= 0:
            return None
        candidate = candidate[:cut].rstrip(" \t-.(")
    return None


def extract_phones(text: str, claims: Claims) -> list[tuple[int, int, Phone]]:
    found: list[tuple[int, int, Phone]] = []
    for m in _PHONE.finditer(text):
        raw = _trim_to_plausible(m.group(0))
        if raw is None:
            continue
        end = m.start() + len(raw)
        if not claims.claim(m.start(), end):
            continue
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("00"):
            digits = digits[2:]
        found.append((m.start(), end, Phone(text=raw, digits=digits)))
    return found
