"""Entity extraction: one pass of specific-to-general readers over the text.

Order matters: each reader claims the characters it used, so a later, looser reader never reads
them again. E-mails and links go first, then the unambiguous tracking formats, then numbers a
customer marked as an order ("#1001", "order no. 1001"), then long digit runs and mixed codes,
phones, money, then numbers that are dates, addresses, sizes or years; only what is left can be
an unmarked order number.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.agent.understanding.entities import contacts, money, orders, other_numbers, products
from apps.agent.understanding.entities import tracking as tracking_numbers
from apps.agent.understanding.entities.spans import Claims
from apps.agent.understanding.types import Entities, Quantity

__all__ = ["Extraction", "extract"]


@dataclass(frozen=True, slots=True)
class Extraction:
    entities: Entities
    # (start, end, placeholder token) for each entity, so the classifier sees "ordernum", not 1001
    placeholders: tuple[tuple[int, int, str], ...]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def extract(text: str) -> Extraction:
    claims = Claims()
    marks: list[tuple[int, int, str]] = []
    emails = contacts.extract_emails(text, claims)
    contacts.claim_urls(text, claims)
    tracking = tracking_numbers.extract_tracking(text, claims)
    other_numbers.claim_card_numbers(text, claims)
    order_spans = orders.extract_explicit_orders(text, claims)
    tracking += tracking_numbers.extract_bare_tracking(text, claims)
    phones = contacts.extract_phones(text, claims)
    amounts = money.extract_amounts(text, claims)
    order_spans += orders.extract_answer_orders(text, claims)
    other_numbers.claim_other_numbers(text, claims)
    order_spans += orders.extract_bare_orders(text, claims)
    for spans, token in (
        (emails, "emailaddr"),
        (tracking, "trackingnum"),
        (order_spans, "ordernum"),
        (phones, "phonenum"),
        (amounts, "moneyamt"),
    ):
        marks.extend((start, end, token) for start, end, _ in spans)
    entities = Entities(
        order_numbers=_unique([v for _, _, v in sorted(order_spans)]),
        emails=_unique([v for _, _, v in emails]),
        phones=tuple(dict.fromkeys(p for _, _, p in phones)),
        amounts=tuple(m for _, _, m in sorted(amounts, key=lambda s: s[0])),
        tracking_numbers=_unique([v for _, _, v in sorted(tracking)]),
        product_terms=tuple(products.product_terms(text)),
        quantities=tuple(Quantity(c, item) for c, item in products.quantities(text)),
        sizes=tuple(products.sizes(text)),
        colors=tuple(products.colors(text)),
    )
    return Extraction(entities=entities, placeholders=tuple(sorted(marks)))
