"""Reading a shipping address the customer typed ("12 Oak Ave, Springfield, IL 62701, US")."""

from __future__ import annotations

import re

from apps.integrations.commerce.base import Address

_POSTCODE = re.compile(
    r"(?i)\b(?:\d{5}(?:-\d{4})?|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}|[a-z]\d[a-z]\s?\d[a-z]\d|\d{4,6})\b"
)
_COUNTRY_CODES = {
    "us": "US", "usa": "US", "united states": "US", "united states of america": "US",
    "ca": "CA", "canada": "CA", "uk": "GB", "gb": "GB", "united kingdom": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "ireland": "IE", "germany": "DE", "france": "FR", "spain": "ES", "italy": "IT",
    "netherlands": "NL", "belgium": "BE", "austria": "AT", "australia": "AU",
}  # fmt: skip
_COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom"}
MAX_PART = 120


_ADDRESS_AFTER = re.compile(r"(?i)(?:\bto\b|\bis\b|:)\s+(?P<address>\d[^\n]*)$")
_TRAILING_WORDS = re.compile(r"(?i)[\s,]+(?:instead|please|thanks|thank you|asap)[\s.!]*$")


def address_in_request(text: str, current: Address | None = None) -> Address | None:
    """The address inside a request ("please ship order 1010 to 9 Pine Rd, ... instead")."""
    found = _ADDRESS_AFTER.search(text.strip())
    if found is None:
        return None
    return parse_address(_TRAILING_WORDS.sub("", found.group("address")), current)


# A street line starts with its house number: "45 Oak Ave", "12b Elm St", "221-3 High St".
_STREET_START = re.compile(r"(?<![\w#$€£.-])\d{1,6}[a-z]?(?:-\d{1,4})?\s+[^\W\d_]", re.I)
# What only a lead-in or a non-address says ("my new address is", "ship it to my office:").
_NOT_PLACE = re.compile(
    r"(?i)\b(?:order|code|override|admin|tracking|password|refund|cancel|http|www|@)\b"
)
_CITY = re.compile(r"^[^\W\d_][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+)*\.?$")


def parse_address(text: str, current: Address | None = None) -> Address | None:
    """The address in `text` (street, [unit,] city, region + postcode[, country]), or None.

    Lead-in text ("my new address is", "Address:", "it should go to my office:") is
    dropped; what cannot be a street, city and postcode is refused. Name, phone and — when
    not given — country are kept from the current address. Values come back tidied
    (spacing, capitals) so the customer confirms exactly what will be sent.
    """
    parts = _street_onwards(text)
    if len(parts) < 2 or any(len(p) > MAX_PART for p in parts):
        return None
    street, rest = parts[0], parts[1:]
    if _NOT_PLACE.search(street) or any(_NOT_PLACE.search(p) for p in rest):
        return None
    country, country_code = _country(rest, current)
    postcode_at = next((i for i, p in enumerate(rest) if _POSTCODE.search(p)), None)
    if postcode_at is None:
        return None
    match = _POSTCODE.search(rest[postcode_at])
    assert match is not None
    around = rest[postcode_at][: match.start()] + " " + rest[postcode_at][match.end() :]
    city, province = _city_and_region(rest[:postcode_at], around.split())
    if not city or not _CITY.match(city) or (province and not _CITY.match(province)):
        return None
    base = current or Address()
    return Address(
        name=base.name,
        address1=_tidy(street),
        address2=", ".join(_tidy(p) for p in rest[: max(0, postcode_at - 1)]),
        city=_tidy(city),
        province=province.upper() if len(province) <= 3 else _tidy(province),
        zip=match.group().upper(),
        country=country,
        country_code=country_code,
        phone=base.phone,
    )


def _street_onwards(text: str) -> list[str]:
    """The address's parts from the street line on, with any lead-in before it dropped."""
    parts = [p.strip(" .:") for p in re.split(r"[\n,;]+", text) if p.strip(" .:")]
    for index, part in enumerate(parts):
        start = _STREET_START.search(part)
        if start is not None:
            return [part[start.start() :].strip(), *parts[index + 1 :]]
    return []


def _tidy(value: str) -> str:
    """Single spaces; a part typed all in lower case gets capitals ("oak ave" -> "Oak Ave")."""
    value = " ".join(value.split())
    if value == value.lower():
        return " ".join(w[:1].upper() + w[1:] for w in value.split(" "))
    return value


def _city_and_region(before: list[str], beside: list[str]) -> tuple[str, str]:
    """ "Springfield", ["IL"] -> city, region; or both from ["Los", "Angeles", "CA"]."""
    if before:
        return before[-1], " ".join(beside)
    if beside and re.fullmatch(r"[A-Z]{2,3}", beside[-1]):
        return " ".join(beside[:-1]), beside[-1]
    return " ".join(beside), ""


def _country(rest: list[str], current: Address | None) -> tuple[str, str]:
    """Takes a trailing country off `rest`; else keeps the current one."""
    last = rest[-1].strip().lower()
    if len(rest) > 1 and last in _COUNTRY_CODES:
        rest.pop()
        code = _COUNTRY_CODES[last]
        return _COUNTRY_NAMES.get(code, code), code
    if current is not None:
        return current.country, current.country_code
    return "", ""
