"""Named things a policy question can be about: places (countries, regions, big cities) and
payment methods.

"Do you ship to Australia?" is answered by a shipping passage only if that passage covers
Australia; when it lists other countries, the honest answer says it does not mention Australia
and offers a person. That needs the place as a thing with aliases ("UK", "England") and the
regions it belongs to ("Germany" is covered by "the EU"). The lists are short on purpose: the
places and ways to pay customers actually name, not a gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACE = "place"
PAYMENT = "payment method"


@dataclass(frozen=True, slots=True)
class Named:
    """A thing the question names: `name` for the reply, `covered_by` every word that, in a
    passage, covers it (its aliases and the regions it belongs to)."""

    kind: str
    name: str
    covered_by: tuple[str, ...]
    spelled: str = ""  # as the text wrote it


def _listed(text: str, separator: str | None = None) -> list[str]:
    """A list written as text (reads better than a list of quoted names)."""
    return text.split(separator)


_EU = _listed(
    "Austria Belgium Bulgaria Croatia Cyprus Czechia Denmark Estonia Finland France Germany "
    "Greece Hungary Ireland Italy Latvia Lithuania Luxembourg Malta Netherlands Poland Portugal "
    "Romania Slovakia Slovenia Spain Sweden"
)
_EUROPE_OUTSIDE_EU = _listed("Norway Switzerland Iceland Ukraine Serbia Albania Turkey")
_OTHER_COUNTRIES = _listed(
    "Australia Japan China India Brazil Mexico Argentina Chile Colombia Peru Russia Israel Egypt "
    "Nigeria Kenya Morocco Singapore Malaysia Indonesia Thailand Vietnam Philippines Korea "
    "Pakistan Bangladesh Qatar Kuwait Taiwan"
)
_ALIASES: dict[str, tuple[str, ...]] = {
    "United States": ("US", "USA", "U.S.", "United States", "America", "American"),
    "United Kingdom": ("UK", "U.K.", "United Kingdom", "Britain", "Great Britain", "England"),
    "Canada": ("Canada", "Canadian"),
    "Netherlands": ("Netherlands", "Holland"),
    "Czechia": ("Czechia", "Czech Republic"),
    "New Zealand": ("New Zealand", "NZ"),
    "South Africa": ("South Africa",),
    "Hong Kong": ("Hong Kong",),
    "United Arab Emirates": ("United Arab Emirates", "UAE", "Dubai"),
    "Saudi Arabia": ("Saudi Arabia",),
    "Korea": ("Korea", "South Korea"),
}
_EU_WORDS = ("EU", "European Union", "Europe", "European")
_UK_PARTS = ("Scotland", "Wales", "Northern Ireland")
_US_STATES = _listed(
    "Alaska, Hawaii, California, Texas, Florida, Puerto Rico, New York, Oregon, Nevada, Arizona, "
    "Colorado, Illinois, Ohio, Michigan, Massachusetts, Virginia, North Carolina, South Carolina",
    ", ",
)
_CITIES: dict[str, str] = {
    "Melbourne": "Australia",
    "Sydney": "Australia",
    "Brisbane": "Australia",
    "Perth": "Australia",
    "Toronto": "Canada",
    "Vancouver": "Canada",
    "Montreal": "Canada",
    "London": "United Kingdom",
    "Manchester": "United Kingdom",
    "Edinburgh": "United Kingdom",
    "Paris": "France",
    "Berlin": "Germany",
    "Munich": "Germany",
    "Madrid": "Spain",
    "Barcelona": "Spain",
    "Rome": "Italy",
    "Milan": "Italy",
    "Amsterdam": "Netherlands",
    "Dublin": "Ireland",
    "Lisbon": "Portugal",
    "Vienna": "Austria",
    "Brussels": "Belgium",
    "Stockholm": "Sweden",
    "Copenhagen": "Denmark",
    "Warsaw": "Poland",
    "Zurich": "Switzerland",
    "Geneva": "Switzerland",
    "Oslo": "Norway",
    "Tokyo": "Japan",
    "Mexico City": "Mexico",
    "Sao Paulo": "Brazil",
    "Rio de Janeiro": "Brazil",
    "Buenos Aires": "Argentina",
    "Mumbai": "India",
    "Delhi": "India",
    "Auckland": "New Zealand",
    "Cape Town": "South Africa",
    "Johannesburg": "South Africa",
    "Chicago": "United States",
    "Los Angeles": "United States",
    "Boston": "United States",
    "Miami": "United States",
    "Seattle": "United States",
    "San Francisco": "United States",
}


def _places() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every spelling (as written in the lists) -> (the place's name, the words covering it)."""
    table: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add(name: str, spellings: tuple[str, ...], covered_by: tuple[str, ...]) -> None:
        for spelling in spellings:
            table[spelling] = (name, covered_by)

    for country in _EU:
        spellings = _ALIASES.get(country, (country,))
        add(country, spellings, (*spellings, *_EU_WORDS))
    for country in _EUROPE_OUTSIDE_EU:
        add(country, (country,), (country, "Europe", "European"))
    for country in _OTHER_COUNTRIES + [n for n in _ALIASES if n not in _EU]:
        spellings = _ALIASES.get(country, (country,))
        add(country, spellings, spellings)
    for region in _EU_WORDS:
        add("the EU", (region,), _EU_WORDS)
    uk = table["UK"][1]
    for part in _UK_PARTS:
        add(part, (part,), (part, *uk))
    us = table["US"][1]
    for state in _US_STATES:
        add(state, (state,), (state, *us))
    for city, country in _CITIES.items():
        add(city, (city,), (city, *table[country][1]))
    return table


_PLACES = _places()
_PAYMENTS: dict[str, tuple[str, ...]] = {
    "PayPal": ("paypal", "pay pal"),
    "Apple Pay": ("apple pay", "applepay"),
    "Google Pay": ("google pay", "gpay"),
    "Shop Pay": ("shop pay",),
    "Klarna": ("klarna",),
    "Afterpay": ("afterpay", "after pay", "clearpay"),
    "Affirm": ("affirm",),
    "American Express": ("american express", "amex"),
    "Visa": ("visa",),
    "Mastercard": ("mastercard", "master card"),
    "bank transfer": ("bank transfer", "wire transfer", "bank wire", "sepa"),
    "cash on delivery": ("cash on delivery", "pay cash", "in cash", "with cash"),
    "cryptocurrency": ("bitcoin", "crypto", "cryptocurrency", "ethereum"),
    "Venmo": ("venmo",),
    "cheque": ("cheque",),
}
# A passage naming any of these says how one may pay ("card" alone does not: "gift cards cannot
# be returned" says nothing about paying).
PAYMENT_WORDS = (
    *(s for spellings in _PAYMENTS.values() for s in spellings),
    "credit card",
    "credit cards",
    "debit card",
    "debit cards",
    "we accept",
)


class _Alternation:
    """Whole-word search for any of `spellings`, ignoring case, except "US", which matches only
    in capitals: the pronoun "us" is not the United States."""

    def __init__(self, spellings: list[str] | tuple[str, ...]) -> None:
        exact = [s for s in spellings if s == "US"]
        folded = [s for s in spellings if s not in exact]
        self._patterns = [p for p in (_compile(folded, re.I), _compile(exact, 0)) if p]

    def finditer(self, text: str) -> list[re.Match[str]]:
        found = [m for p in self._patterns for m in p.finditer(text)]
        return sorted(found, key=lambda m: m.start())

    def search(self, text: str) -> bool:
        return any(p.search(text) for p in self._patterns)


def _compile(spellings: list[str], flags: int) -> re.Pattern[str] | None:
    if not spellings:
        return None
    ordered = sorted(spellings, key=len, reverse=True)  # "New York" before "York"
    body = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in ordered)
    return re.compile(rf"(?<![\w.])(?:{body})(?![\w])", flags)


_PLACE_RE = _Alternation(list(_PLACES))
_PLACE_BY_FOLDED = {" ".join(k.lower().split()): v for k, v in _PLACES.items()}
_PAYMENT_RE = _Alternation([s for spellings in _PAYMENTS.values() for s in spellings])
_PAYMENT_BY_SPELLING = {s: name for name, spellings in _PAYMENTS.items() for s in spellings}
_PAYMENT_WORDS_RE = _Alternation(PAYMENT_WORDS)


def named_things(text: str) -> tuple[Named, ...]:
    """The places and payment methods `text` names, each once, in order of appearance."""
    found: dict[str, Named] = {}
    for match in _PLACE_RE.finditer(text):
        name, covered_by = _PLACE_BY_FOLDED[" ".join(match.group().lower().split())]
        found.setdefault(name, Named(PLACE, name, covered_by, match.group()))
    for match in _PAYMENT_RE.finditer(text):
        name = _PAYMENT_BY_SPELLING[" ".join(match.group().lower().split())]
        found.setdefault(name, Named(PAYMENT, name, _PAYMENTS[name], match.group()))
    return tuple(found.values())


def covers(text: str, thing: Named) -> bool:
    """Does `text` mention `thing`, one of its other names, or a region that holds it?"""
    return _Alternation(thing.covered_by).search(text)


def mentions_kind(text: str, kind: str) -> bool:
    """Does `text` name any place / any way to pay at all?"""
    return (_PLACE_RE if kind == PLACE else _PAYMENT_WORDS_RE).search(text)


def count_kind(text: str, kind: str) -> int:
    """How many different places / ways to pay `text` names."""
    if kind == PLACE:
        return len({" ".join(m.group().lower().split()) for m in _PLACE_RE.finditer(text)})
    return len({" ".join(m.group().lower().split()) for m in _PAYMENT_WORDS_RE.finditer(text)})


# One-word place names as the classifier's tokens spell them ("australia", "toronto").
PLACE_WORDS: frozenset[str] = frozenset(
    k.lower() for k in _PLACES if " " not in k and "." not in k and k != "US"
)
