"""Product search and the shop's policies, straight from the GraphQL Admin API."""

from __future__ import annotations

import re

from apps.integrations.commerce.base import Policy, Product
from apps.integrations.commerce.shopify import documents, mapping
from apps.integrations.commerce.shopify.client import ShopifyClient

_MAX_TERMS = 8
# Search syntax operators and punctuation: customer text only ever contributes words.
_TERM = re.compile(r"[\w'-]+", re.UNICODE)


def products_search(client: ShopifyClient, text: str, *, limit: int) -> list[Product]:
    """Active products matching the customer's words, with price and availability."""
    terms = [t for t in _TERM.findall(text or "") if t.upper() not in ("AND", "OR", "NOT")]
    if not terms:
        return []
    query = " ".join(terms[:_MAX_TERMS]) + " status:active"
    data = client.execute(
        documents.PRODUCTS_SEARCH, {"query": query, "first": max(1, min(limit, 5))}
    )
    nodes = ((data or {}).get("products") or {}).get("nodes") or []
    return [mapping.product_from_node(node) for node in nodes]


def shop_policies(client: ShopifyClient) -> list[Policy]:
    """The policies the merchant configured, bodies as Shopify's HTML."""
    data = client.execute(documents.SHOP_POLICIES, {})
    nodes = ((data or {}).get("shop") or {}).get("shopPolicies") or []
    policies = [mapping.policy_from_node(node) for node in nodes]
    return [p for p in policies if p is not None and p.body.strip()]
