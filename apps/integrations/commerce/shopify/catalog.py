"""Product search, the shop's policies and time zone, straight from the GraphQL Admin API."""

from __future__ import annotations

import re

from apps.integrations.commerce.base import Policy, Product
from apps.integrations.commerce.shopify import documents, mapping
from apps.integrations.commerce.shopify.client import ShopifyClient

_MAX_TERMS = 8
_MAX_FETCH = documents.PRODUCTS_MAX_FETCH
# Customer text only ever contributes letters and digits: no search-syntax operators,
# quotes, field filters or negations can come through.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words that say nothing about which product is meant ("do you have any hoodies?").
_FILLER = frozenset(
    # A word list reads better as one text than as sixty one-word lines.
    (  # noqa: SIM905
        "a an and any are as at be buy can could do does for from get got have has how i in is"
        " it looking me my need of on or please price cost costs sell selling show still some"
        " stock the there this to want what which with would you your yours available much"
        " many not no"
    ).split()
)


def search_terms(text: str) -> list[str]:
    """The customer's product words as prefixes, at most _MAX_TERMS of them."""
    terms: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if len(word) < 2 or word in _FILLER:
            continue
        stem = _singular(word)
        if stem not in terms:
            terms.append(stem)
    return terms[:_MAX_TERMS]


def _singular(word: str) -> str:
    """A prefix every form of the word starts with (searched as `stem*`)."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3]  # hoodies -> hood (hoodie), batteries -> batter (battery)
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def products_search(client: ShopifyClient, text: str, *, limit: int) -> list[Product]:
    """Active products matching any of the customer's words, best matches first.

    Shopify ANDs bare search terms, so "do you have hoodies" would find nothing: each
    word becomes a prefix term (`hoodie*` also finds "Hoodies") and the terms are ORed;
    the answers are then ranked by how many of the words their title and tags carry.
    """
    terms = search_terms(text)
    if not terms:
        return []
    query = "status:active (" + " OR ".join(f"{t}*" for t in terms) + ")"
    limit = max(1, min(limit, 5))
    data = client.execute(
        documents.PRODUCTS_SEARCH, {"query": query, "first": min(_MAX_FETCH, limit * 2)}
    )
    nodes = ((data or {}).get("products") or {}).get("nodes") or []
    products = [mapping.product_from_node(node) for node in nodes]
    # Stable: Shopify's relevance order decides between equal scores.
    return sorted(products, key=lambda p: _score(p, terms), reverse=True)[:limit]


def _score(product: Product, terms: list[str]) -> int:
    """Two points per word the title starts a word with, one per word in the type or tags."""
    title = _WORD.findall(product.title.lower())
    other = _WORD.findall(" ".join((product.product_type, *product.tags)).lower())
    score = 0
    for term in terms:
        if any(w.startswith(term) for w in title):
            score += 2
        elif any(w.startswith(term) for w in other):
            score += 1
    return score


def shop_time_zone(client: ShopifyClient) -> str:
    """The shop's IANA time zone name as Shopify reports it ("" when it says none)."""
    data = client.execute(documents.SHOP_TIME_ZONE, {})
    zone = ((data or {}).get("shop") or {}).get("ianaTimezone")
    return zone if isinstance(zone, str) else ""


def shop_policies(client: ShopifyClient) -> list[Policy]:
    """The policies the merchant configured, bodies as Shopify's HTML."""
    data = client.execute(documents.SHOP_POLICIES, {})
    nodes = ((data or {}).get("shop") or {}).get("shopPolicies") or []
    policies = [mapping.policy_from_node(node) for node in nodes]
    return [p for p in policies if p is not None and p.body.strip()]
