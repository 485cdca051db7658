"""Catalog search (Catalog V3 `keyword`) and the store's policies (its web pages)."""

from __future__ import annotations

import re

from apps.integrations.commerce.base import Policy, Product
from apps.integrations.commerce.bigcommerce import mapping
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.stores.models import Store

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "are",
        "do",
        "does",
        "for",
        "have",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "the",
        "there",
        "this",
        "to",
        "we",
        "what",
        "you",
        "your",
        "got",
        "sell",
        "stock",
    ]
)


def keywords(query: str) -> list[str]:
    """The words of a customer's question worth searching for, in the singular."""
    words = [w for w in _WORD.findall(query.lower()[:200]) if w not in _STOPWORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def search(client: BigCommerceClient, store: Store, query: str, limit: int) -> list[Product]:
    words = keywords(query)
    if not words:
        return []
    limit = max(1, min(limit, 25))
    found = _search(client, store, " ".join(words), limit)
    if not found:
        for word in words[:4]:
            found += [
                p for p in _search(client, store, word, limit) if p.id not in {f.id for f in found}
            ]
    phrase = " ".join(words)
    found.sort(
        key=lambda p: (phrase not in p.title.lower(), not any(w in p.title.lower() for w in words))
    )
    return found[:limit]


def _search(client: BigCommerceClient, store: Store, keyword: str, limit: int) -> list[Product]:
    answer = (
        client.get(
            "v3/catalog/products",
            {"keyword": keyword, "include": "variants", "is_visible": "true", "limit": limit},
        )
        or {}
    )
    return [
        mapping.product(row, currency=store.currency, domain=store.domain)
        for row in answer.get("data") or []
        if isinstance(row, dict)
    ]


def policies(client: BigCommerceClient, store: Store) -> list[Policy]:
    answer = client.get("v3/content/pages", {"limit": 100}) or {}
    found = [
        mapping.policy(row, domain=store.domain)
        for row in answer.get("data") or []
        if isinstance(row, dict)
    ]
    return [p for p in found if p is not None]
