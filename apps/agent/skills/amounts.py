"""The amount a customer asks to have refunded, read as written, or a reason to ask again.

The understanding step reads amounts generously ("$30", "30 dollars"); a refund needs the
amount exactly as meant. So the message is read again here, and anything negative
("-50"), in exponent form ("$1e9"), finer than a cent ("$0.001"), zero, or several
different amounts at once is refused rather than rounded into something else. A bare
number right after "refund" ("refund 20 on order 1002") is an amount too, unless it looks
like an order number (four or more digits, or written with #).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from apps.agent.understanding.types import Money

_NUM = r"\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?"
_SIGN = r"[-−–]"
_CODES = r"usd|eur|gbp|cad|aud|dollars?|bucks|euros?|pounds?|quid"
_WITH_CURRENCY = re.compile(
    rf"(?P<sign>{_SIGN}\s*)?(?P<cur>[$€£]|\b(?:usd|eur|gbp|cad|aud)\b)\s*(?P<sign2>{_SIGN})?\s*"
    rf"(?P<num>{_NUM})"
    rf"|(?P<sign3>{_SIGN}\s*)?(?<![\w#.,])(?P<num2>{_NUM})\s*(?P<cur2>{_CODES})\b",
    re.I,
)
_AFTER_VERB = re.compile(
    rf"\brefund(?:ed)?(?:\s+me)?(?:\s+(?:of|for|just|only|back))?\s+(?P<sign>{_SIGN}\s*)?"
    rf"(?<![#\w])(?P<num>{_NUM})(?![\w%#])"
    r"(?=\s*(?:$|[.,!?;]|(?:on|for|from|to|back|please|and|instead|only)\b))",
    re.I,
)
_BARE = re.compile(rf"^\W*(?P<sign>{_SIGN}\s*)?(?P<num>{_NUM})\W*$")
_SYMBOL_CURRENCY = {"$": "", "€": "EUR", "£": "GBP"}
MAX_AMOUNT = Decimal("1000000")


@dataclass(frozen=True)
class AmountRead:
    """`value` None and `problem` "" = no amount named; a problem names what was written."""

    value: Decimal | None = None
    currency: str = ""
    problem: str = ""


def requested_amount(text: str, entities: tuple[Money, ...], *, bare: bool = False) -> AmountRead:
    """The one amount `text` asks for. `bare`: a number alone is an amount (we asked for one)."""
    found: list[tuple[str, str, str]] = []  # (sign, number as written, currency)
    for m in _WITH_CURRENCY.finditer(text):
        sign = m.group("sign") or m.group("sign2") or m.group("sign3") or ""
        cur = (m.group("cur") or m.group("cur2") or "").lower()
        found.append((sign, m.group("num") or m.group("num2"), cur))
    if not found:
        alone = _AFTER_VERB.search(text) or (_BARE.search(text) if bare else None)
        if alone is not None and (bare or not re.fullmatch(r"\d{4,}", alone.group("num"))):
            found.append((alone.group("sign") or "", alone.group("num"), ""))
    if not found:
        return AmountRead()
    reads = [_read(sign, number) for sign, number, _ in found]
    shown = ", ".join(f"{sign.strip()}{number}" for sign, number, _ in found)
    if any(r is None for r in reads) or len({r for r in reads}) > 1:
        return AmountRead(problem=shown)
    value = reads[0]
    assert value is not None
    return AmountRead(value=value, currency=_currency(found[0][2], entities))


def _read(sign: str, number: str) -> Decimal | None:
    """A positive amount in whole cents, or None ("-5", "1e9", "0.001", "0", "1.2.3")."""
    if sign.strip() or re.search(r"[eE]", number):
        return None
    plain = number
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", plain):
        plain = plain.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", plain):
        plain = plain.replace(",", ".")
    if not re.fullmatch(r"\d+(?:\.\d{1,2})?", plain):
        return None
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return None
    return value if Decimal("0") < value <= MAX_AMOUNT else None


def _currency(written: str, entities: tuple[Money, ...]) -> str:
    if written in _SYMBOL_CURRENCY:
        return _SYMBOL_CURRENCY[written] or (entities[0].currency if entities else "")
    codes = {"usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "eur": "EUR"}
    codes |= {"euro": "EUR", "euros": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP"}
    codes |= {"quid": "GBP", "cad": "CAD", "aud": "AUD"}
    return codes.get(written, entities[0].currency if entities else "")
