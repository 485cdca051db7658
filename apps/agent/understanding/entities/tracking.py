"""Parcel tracking numbers: carrier formats, and anything placed right after "tracking"."""

from __future__ import annotations

import re

from apps.agent.understanding.entities.spans import Claims

_KW = (
    r"(?:tracking|track|tracker|awb|waybill|consignment|dhl|ups|usps|fedex|royal mail|"
    r"parcelforce|canada post|auspost|evri|hermes|dpd|gls|shipment)"
)
_KEYWORD = re.compile(
    rf"\b{_KW}(?:\s+{_KW})*"
    r"(?:\s*(?:number|num|no|nr|code|id|ref|#))?\.?\s*(?:is|was|=)?\s*[:#\-]?\s*"
    r"(?P<code>\d{4}(?: \d{4}){2,7}(?: \d{1,3})?(?![\w-])|[a-z0-9]{8,35}(?![\w@-]))",
    re.I,
)
_UPS = re.compile(r"\b1Z[0-9A-Z]{16}\b", re.I)
_S10 = re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b", re.I)
_SPACED = re.compile(r"(?<![\d-])\d{4}(?: \d{4}){3,7}(?: \d{1,3})?(?![\d-])")
_LONG_DIGITS = re.compile(r"(?<![\w.,$€£#-])\d{12,34}(?![\w.,-])")
_ALNUM = re.compile(r"(?<![\w@.#/-])[A-Z0-9]{10,35}(?![\w@-])", re.I)
_CODE_CONTEXT = re.compile(
    r"(?:code|coupon|voucher|gift ?card|promo|discount|card)\W+(?:\w+\W+)?$", re.I
)
_CARD_CONTEXT = re.compile(r"\b(?:card|visa|mastercard|amex|credit|debit)\b", re.I)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _looks_like_card(digits: str, text: str) -> bool:
    """A payment card number is never a tracking number (Luhn-valid 16 digits, or "card" said)."""
    if not 13 <= len(digits) <= 19:
        return False
    return (len(digits) == 16 and luhn_ok(digits)) or bool(_CARD_CONTEXT.search(text))


def _mixed(code: str) -> bool:
    digits = sum(c.isdigit() for c in code)
    return 6 <= digits < len(code)


def _keyword_code(raw: str) -> str | None:
    """The code after "tracking number is ...": compact, with enough digits to be a code."""
    code = raw.replace(" ", "").upper()
    if sum(c.isdigit() for c in code) < 6:
        return None
    return code


def extract_tracking(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    """Run before phones and order numbers: its formats are the most specific."""
    found: list[tuple[int, int, str]] = []
    for m in _KEYWORD.finditer(text):
        code = _keyword_code(m.group("code"))
        if code and claims.claim(m.start("code"), m.end("code")):
            found.append((m.start("code"), m.end("code"), code))
    for pattern in (_UPS, _S10):
        for m in pattern.finditer(text):
            if claims.claim(m.start(), m.end()):
                found.append((m.start(), m.end(), m.group(0).upper()))
    for m in _SPACED.finditer(text):
        digits = m.group(0).replace(" ", "")
        if 20 <= len(digits) <= 34 and claims.claim(m.start(), m.end()):
            found.append((m.start(), m.end(), digits))
    return found


def extract_bare_tracking(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    """Long digit runs (FedEx 12/15, USPS 20-34) and mixed codes, after order numbers ran."""
    found: list[tuple[int, int, str]] = []
    for m in _LONG_DIGITS.finditer(text):
        digits = m.group(0)
        if len(digits) not in (12, 15) and len(digits) < 16:
            continue
        if _looks_like_card(digits, text) or not claims.free(m.start(), m.end()):
            continue
        claims.claim(m.start(), m.end())
        found.append((m.start(), m.end(), digits))
    for m in _ALNUM.finditer(text):
        code = m.group(0)
        if not _mixed(code) or code.isdigit() or _CODE_CONTEXT.search(text[: m.start()]):
            continue
        if claims.claim(m.start(), m.end()):
            found.append((m.start(), m.end(), code.upper()))
    return found
