"""The demo store's catalogue search and policies.

Search is a word match, forgiving the way shoppers type: case, plurals ("hoodies"),
hyphens ("t shirt", "tshirt", "T-Shirt") and filler words ("do you have any ...").
A product matches on its title, type or tags; variant titles and SKUs only add weight
(so "hoodie in m" ranks the hoodie first without listing every product sold in M),
except for words of three letters or more ("purple").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from apps.integrations.commerce.base import Policy, Product, ProductVariant
from apps.integrations.models import DemoProduct, DemoVariant
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

MAX_RESULTS = 20
MAX_QUERY_LENGTH = 500
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Words that say nothing about which product is meant.
_FILLER_WORDS = """
    a an the and or of for to in on at by with from about is are be do does did you your we
    our i me my it its this that these those there here have has had any some anything
    something what which who how much many can could would will please want wanted need
    looking look buy get got sell sold selling carry stock stocked available availability
    still again back price prices cost costs size sizes color colors colour colours product
    products item items thing things store shop one ones like also just"""
_FILLER = frozenset(_FILLER_WORDS.split())


@dataclass(frozen=True)
class _Index:
    title: frozenset[str]
    facets: frozenset[str]
    variants: frozenset[str]


def stem(word: str) -> str:
    """A crude singular: hoodies/hoodie/hoody -> hoody, shoes -> shoe, glasses -> glass."""
    if len(word) < 3 or word.isdigit():
        return word
    if word.endswith("ies"):
        word = word[:-1]
    elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:-2] + "y" if word.endswith("ie") else word


def words(text: str) -> list[str]:
    """Stemmed words of `text`; hyphenated words also count joined ("t-shirt" -> "tshirt")."""
    found: list[str] = []
    for match in _WORD.findall((text or "").lower()):
        parts = re.split(r"[-']", match)
        found.extend(parts)
        if len(parts) > 1:
            found.append("".join(parts))
    return [stem(w) for w in found]


def query_words(query: str) -> list[str]:
    """The words that carry meaning, plus each adjacent pair joined ("gift card" -> "giftcard")."""
    raw = [w for w in words(query[:MAX_QUERY_LENGTH]) if w not in _FILLER]
    pairs = [stem(a + b) for a, b in zip(raw, raw[1:], strict=False)]
    return list(dict.fromkeys(raw + pairs))


def _joined(text: str) -> str:
    return stem("".join(re.findall(r"[a-z0-9]+", text.lower())))


def _index(product: DemoProduct, variants: Iterable[DemoVariant]) -> _Index:
    title = words(product.title)
    title += [stem(a + b) for a, b in zip(title, title[1:], strict=False)]
    tags = product.tags if isinstance(product.tags, list) else []
    # A tag matches only whole: "final-sale" is found by "final sale", not by "sale".
    facets = {*words(product.product_type), *(_joined(str(t)) for t in tags)}
    variant_words = {w for v in variants for w in words(f"{v.title} {v.sku}")}
    return _Index(frozenset(title), frozenset(facets), frozenset(variant_words))


def _score(index: _Index, wanted: list[str]) -> int:
    score, matched = 0, False
    for word in wanted:
        if len(word) >= 2 and word in index.title:
            score, matched = score + 3, True
        elif len(word) >= 2 and word in index.facets:
            score, matched = score + 2, True
        elif word in index.variants:
            score += 1
            matched = matched or (len(word) >= 3 and not word.isdigit())
    return score if matched else 0


def search_products(store: Store, query: str, *, limit: int = 5) -> list[Product]:
    """The store's products that match the query, best first; [] when nothing matches."""
    wanted = query_words(query)
    if not wanted:
        return []
    limit = max(1, min(int(limit), MAX_RESULTS))
    # A demo catalogue is small: score it whole in memory.
    products = DemoProduct.objects.filter(store=store).prefetch_related("variants")
    scored = []
    for product in products:
        variants = list(product.variants.all())
        score = _score(_index(product, variants), wanted)
        if score:
            scored.append((-score, product.position, product.pk, product, variants))
    scored.sort(key=lambda row: row[:3])
    return [_product(store, p, v) for *_, p, v in scored[:limit]]


def _product(store: Store, product: DemoProduct, variants: list[DemoVariant]) -> Product:
    return Product(
        id=product.platform_id,
        title=product.title,
        currency=store.currency,
        variants=tuple(
            ProductVariant(
                id=v.platform_id,
                title=v.title,
                price=v.price,
                available=v.available,
                inventory_quantity=v.inventory_quantity if v.track_inventory else None,
                sku=v.sku,
            )
            for v in variants
        ),
        handle=product.handle,
        url=f"https://{store.domain}/products/{product.handle}",
        description=product.description,
        product_type=product.product_type,
        tags=tuple(str(t) for t in product.tags) if isinstance(product.tags, list) else (),
    )


def policies(store: Store) -> list[Policy]:
    """The store's policies from its knowledge base (FAQ entries are not policies)."""
    entries = KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.POLICY).order_by("id")
    return [
        Policy(type=e.policy_type or "other", title=e.title, body=e.body, url=e.source_url)
        for e in entries
    ]
