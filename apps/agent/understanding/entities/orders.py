"""Order numbers in the many ways customers write them; always returned as digits only.

Explicit forms ("#1001", "# 1001", "#SO-1001", "order 1001", "order no. 1001", "order number is
1001", "ord1001", "no1001", "nº 1001", "orders 1001 and 1002") are read first. A number with no
marker counts only when the message is nothing but that number (an answer to "what is your order
number?"), or when the message is about an order and the number is not a year, a quantity, a street
number, a zip code, a date or a price (those are claimed before this runs).
"""

from __future__ import annotations

import re

from apps.agent.understanding.entities.products import is_item_word
from apps.agent.understanding.entities.spans import Claims

# English first; a few other languages' words for "order" cost nothing and catch "pedido 1001".
_KW = r"(?:order|ord|purchase|confirmation|conf|invoice|receipt|pedido|commande|bestellung|ordine)"
_MARK = r"(?:number|numb|num|nr|no|n[oº°]|id|ref|reference|code|#)"
_FILL = r"(?:is|was|=|it'?s|its|should be)"
_TAIL = r"#?\s*(?P<prefix>[a-z]{1,4}-?)?(?P<num>\d{3,10})(?![\d,.]\d|\d|%)(?:-[a-z]{1,4}\b)?"
_KEYWORD = re.compile(
    rf"\b{_KW}s?(?![a-z])\.?[\s:#\-]*(?:{_MARK}\b\.?[\s:#\-]*)?(?:{_FILL}\b\s*[:#\-]?\s*)?{_TAIL}",
    re.I,
)
_HASH = re.compile(rf"(?<![\w&#]){_TAIL.replace('#?', '#', 1)}", re.I)
_NUMERO = re.compile(
    r"\b(?:no|nr|n[º°]|num)(?:(?P<dot>\.)\s?|)(?P<num>\d{3,10})\b|"
    r"\b(?:no|nr|n[º°])\s(?P<num2>\d{4,10})\b",
    re.I,
)
_MORE = re.compile(r"\s*(?:,|&|\+|/|\band\b|\bor\b|\bplus\b)\s*#?\s*(?P<num>\d{3,10})\b", re.I)
_BARE = re.compile(r"(?<![\w.,$€£#/:-])(?P<num>\d{3,10})(?![\w%]|[.,:/-]\d)")
_ORDER_CONTEXT = re.compile(
    r"\b(?:order|ordered|ord|purchase[ds]?|bought|package|parcel|shipment|deliver\w*|arriv\w*|"
    r"track\w*|refund\w*|return\w*|cancel\w*|ship\w*|item|invoice|receipt|confirmation|"
    # "where is 1005?", "any update on 1005", "status of 1005": asking after a thing by number.
    r"where(?:'?s| is| are)|status|updates?|eta)\b",
    re.I,
)
_FILLER = re.compile(
    r"^(?:\W|it'?s|its|it is|that'?s|the|my|order|number|num|no|is|was|sure|ok(?:ay)?|yes|yeah|"
    r"here|you go|thanks?|thank you|pls|please|hi|hello|hey|and|or|i think|should be)*$",
    re.I,
)
_NEXT_WORD = re.compile(r"\s*([a-z]+)", re.I)


def _followed_by_item(text: str, end: int) -> bool:
    m = _NEXT_WORD.match(text, end)
    return m is not None and is_item_word(m.group(1))


def _digits(m: re.Match[str]) -> str:
    num = m.group("num") or m.groupdict().get("num2") or ""
    return num.lstrip("0") or num


def _is_hex_colour(m: re.Match[str]) -> bool:
    prefix = m.groupdict().get("prefix") or ""
    token = prefix + (m.group("num") or "")
    return bool(prefix) and len(token) == 6 and bool(re.fullmatch(r"[0-9a-f]{6}", token, re.I))


def _take(text: str, m: re.Match[str], claims: Claims, out: list[tuple[int, int, str]]) -> None:
    if _is_hex_colour(m) or _followed_by_item(text, m.end()):
        return
    if claims.claim(m.start(), m.end()):
        out.append((m.start(), m.end(), _digits(m)))
        _take_list(text, m.end(), claims, out)


def _take_list(text: str, pos: int, claims: Claims, out: list[tuple[int, int, str]]) -> None:
    """ "orders 1001, 1002 and 1003": the numbers chained after an explicit one."""
    while (m := _MORE.match(text, pos)) and not _followed_by_item(text, m.end()):
        if not claims.claim(m.start("num"), m.end("num")):
            return
        out.append((m.start("num"), m.end("num"), _digits(m)))
        pos = m.end()


def extract_explicit_orders(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for pattern in (_KEYWORD, _HASH, _NUMERO):
        for m in pattern.finditer(text):
            _take(text, m, claims, found)
    return found


def _free_numbers(text: str, claims: Claims) -> list[re.Match[str]]:
    return [m for m in _BARE.finditer(text) if claims.free(m.start(), m.end())]


def extract_answer_orders(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    """A message that is only a number or two ("1001", "it's 1043 thanks") names orders.

    Runs before years and dates are claimed: "2023" alone is an answer, not a year.
    """
    candidates = _free_numbers(text, claims)
    if not candidates or len(candidates) > 3 or not _FILLER.match(_BARE.sub(" ", text)):
        return []
    found: list[tuple[int, int, str]] = []
    for m in candidates:
        if claims.claim(m.start(), m.end()):
            found.append((m.start(), m.end(), _digits(m)))
    return found


def extract_bare_orders(text: str, claims: Claims) -> list[tuple[int, int, str]]:
    """Unmarked numbers inside a sentence about an order, once everything else is claimed."""
    if not _ORDER_CONTEXT.search(text):
        return []
    found: list[tuple[int, int, str]] = []
    for m in _free_numbers(text, claims):
        if _sentence_number_ok(text, m) and claims.claim(m.start(), m.end()):
            found.append((m.start(), m.end(), _digits(m)))
    return found


# "ship to 90210", "zip 10001", "area code 415": a place, not an order.
_PLACE_BEFORE = re.compile(
    r"\b(?:to|zip|zip ?code|post ?code|postal code|area code|suite|apt|unit)\W*$", re.I
)


def _sentence_number_ok(text: str, m: re.Match[str]) -> bool:
    num = m.group("num")
    if not 4 <= len(num) <= 8 or _followed_by_item(text, m.end()):
        return False
    if _PLACE_BEFORE.search(text, 0, m.start()):
        return False
    return not (len(num) == 4 and 1900 <= int(num) <= 2099)
