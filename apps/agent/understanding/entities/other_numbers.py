"""Numbers that are not entities we report (dates, times, years, addresses, sizes, percentages).

They are claimed so that the order-number reader never mistakes them for an order.
"""

from __future__ import annotations

import re

from apps.agent.understanding.entities.spans import Claims
from apps.agent.understanding.entities.tracking import luhn_ok

_STREET = (
    r"(?:st|street|ave|avenue|rd|road|ln|lane|blvd|boulevard|dr|drive|way|ct|court|pl|place|"
    r"terrace|close|crescent|hwy|highway|parkway|pkwy|square|sq|row|circle|cir)"
)
_PATTERNS = (
    # dates and times: 12/03, 12-03-2024, 2024-03-12, 10:30, 3rd, 15th
    re.compile(r"\b\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),
    re.compile(r"\b\d{1,4}(?:st|nd|rd|th)\b", re.I),
    # "123 Main St", "apt 4", "unit 12B", "suite 300", "flat 2"
    re.compile(rf"\b\d{{1,6}}[a-z]?(?=\s+(?:[a-z]+\.?\s+){{1,3}}{_STREET}\b)", re.I),
    re.compile(
        r"\b(?:apt|apartment|unit|suite|ste|flat|floor|fl|building|bldg|po box|box)"
        r"\.?\s*#?\s*\d{1,6}[a-z]?\b",
        re.I,
    ),
    # zip/postal codes with their keyword, and "CA 90210" after a US state abbreviation
    re.compile(
        r"\b(?:zip|zipcode|zip code|postcode|post code|postal code|postal)\s*(?:is|:)?\s*"
        r"[a-z0-9]{3,5}(?:[ -][a-z0-9]{3,4})?\b",
        re.I,
    ),
    re.compile(r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b"),
    # sizes, percentages, measures, durations and counts of time
    re.compile(r"\b(?:size|sz|eu|uk|us)\s*\d{1,2}(?:[.,]5)?\b", re.I),
    re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:%|percent|per cent)", re.I),
    re.compile(
        r"\b\d+(?:[.,]\d+)?\s*(?:cm|mm|m|in|inch|inches|kg|g|lb|lbs|oz|ml|l|ft|"
        r"days?|weeks?|months?|years?|hours?|hrs?|mins?|minutes?|times?)\b",
        re.I,
    ),
    re.compile(r"\b(?:19|20)\d{2}\b"),
)


_CARD = re.compile(r"(?<![\d-])(?:\d{4}[ -]?){3}\d{1,7}(?![\d-])")


def claim_card_numbers(text: str, claims: Claims) -> None:
    """A payment card number is not a phone, an order or a tracking number; it is read as none."""
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            claims.claim(m.start(), m.end())


def claim_other_numbers(text: str, claims: Claims) -> None:
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            claims.claim(m.start(), m.end())
