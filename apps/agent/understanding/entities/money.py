"""Amounts of money: "$25", "25 dollars", "USD 25.50", "€30", "30,50 EUR", "twenty five dollars".

"$" alone is read as USD and "dollars" as USD; the pipeline compares against the store's own
currency, so a Canadian customer's "$30" is still thirty in the store's terms.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from apps.agent.understanding.entities.number_words import NUMBER_WORDS
from apps.agent.understanding.entities.spans import Claims
from apps.agent.understanding.types import Money

_SYMBOLS = {
    "us$": "USD",
    "usd$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "r$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "₽": "RUB",
    "₱": "PHP",
    "zł": "PLN",
}
_CODES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "NZD",
    "JPY",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "INR",
    "MXN",
    "BRL",
    "PLN",
    "HKD",
    "SGD",
    "ZAR",
    "CNY",
    "KRW",
    "TRY",
    "AED",
)
_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "gbp": "GBP",
    "rupees": "INR",
    "yen": "JPY",
}
_NUM = r"\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SYM = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_CODE = "|".join(_CODES)
_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))
_PREFIX = re.compile(
    rf"(?<![\w$])(?P<cur>{_SYM}|(?:{_CODE})(?![a-z])\s?\$?)\s?(?P<num>{_NUM})(?![\d%])", re.I
)
_SUFFIX = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})\s?(?P<cur>{_SYM}|(?:{_CODE}|{_WORD})\b|cents?\b)", re.I
)
_SCALES = {"hundred": 100, "thousand": 1000}
# "a" counts one, and only before a scale: "a hundred dollars" (see _spelled_value).
_WORD_NUM = "|".join(sorted([*NUMBER_WORDS, *_SCALES, "and", "a"], key=len, reverse=True))
_SPELLED = re.compile(
    rf"\b(?P<num>(?:(?:{_WORD_NUM})[\s-]+){{0,5}}(?:{_WORD_NUM}))\s+(?P<cur>{_WORD})\b", re.I
)
_WEIGHT = re.compile(r"\bweigh|\bweight|\bheavy|\blbs?\b", re.I)


def _decimal(raw: str) -> Decimal | None:
    """ "1,299.99" and "1.299,99" and "1 299" all read as the number a person means."""
    s = raw.replace(" ", "")
    if "," in s and "." in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if decimal_sep == "," else ",", "").replace(",", ".")
    elif "," in s:
        s = s.replace(",", ".") if re.search(r",\d{1,2}$", s) else s.replace(",", "")
    elif s.count(".") > 1 or re.search(r"\.\d{3}$", s):
        s = s.replace(".", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _currency(raw: str) -> str:
    key = raw.strip().lower()
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    if key.rstrip("$").strip().upper() in _CODES:
        return key.rstrip("$").strip().upper()
    return _WORDS.get(key, "")


def _spelled_value(words: str) -> int | None:
    parts = re.split(r"[\s-]+", words.lower())
    if parts[0] == "a" and (len(parts) == 1 or parts[1] not in _SCALES):
        return None  # "a dollar store" is not an amount; "a hundred dollars" is
    total, current = 0, 0
    for word in parts:
        if word == "and":
            continue
        if word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] == 1000:
                total, current = total + current, 0
        else:
            current += 1 if word == "a" else NUMBER_WORDS[word]
    value = total + current
    return value or None


def extract_amounts(text: str, claims: Claims) -> list[tuple[int, int, Money]]:
    found: list[tuple[int, int, Money]] = []
    for pattern in (_PREFIX, _SUFFIX):
        for m in pattern.finditer(text):
            cur = m.group("cur").strip().lower()
            if cur.startswith("pound") and _WEIGHT.search(text):
                continue
            value = _decimal(m.group("num"))
            if value is None or not claims.claim(m.start(), m.end()):
                continue
            if cur.startswith("cent"):
                found.append((m.start(), m.end(), Money(value / 100, "", m.group(0))))
            else:
                found.append((m.start(), m.end(), Money(value, _currency(cur), m.group(0))))
    for m in _SPELLED.finditer(text):
        value_int = _spelled_value(m.group("num"))
        if value_int is not None and claims.claim(m.start(), m.end()):
            cur = _currency(m.group("cur"))
            found.append((m.start(), m.end(), Money(Decimal(value_int), cur, m.group(0))))
    return found
