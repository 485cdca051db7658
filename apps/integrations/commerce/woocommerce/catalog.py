"""Product search and the store's policy pages.

WordPress search ANDs the words of `search=` across title and content, so a shopper's
"do you have hoodies?" finds nothing as typed: the product words are searched one at a
time (the first two), merged and ranked by how many words the title and tags carry.
Variable products carry their sizes and prices on `/products/{id}/variations`.

WooCommerce has no policy objects: policies are ordinary WordPress pages. The merchant
points us at theirs (slugs or URLs); otherwise the usual slugs are tried, starting with
`refund_returns`, the page WooCommerce itself creates.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from apps.integrations.commerce.base import Policy, Product
from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.mapping import product_from_json, text

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FILLER = frozenset(
    (  # noqa: SIM905
        "a an and any are as at be buy can could do does for from get got have has how i in is"
        " it looking me my need of on or please price cost costs sell selling show still some"
        " stock the there this to want what which with would you your yours available much"
        " many not no"
    ).split()
)
_SEARCHED_WORDS = 2
DEFAULT_POLICY_SLUGS: dict[str, tuple[str, ...]] = {
    "refund": ("refund_returns", "refund-policy", "returns-policy", "return-policy", "returns"),
    "shipping": ("shipping-policy", "shipping", "delivery", "shipping-and-delivery"),
    "privacy": ("privacy-policy",),
    "terms": ("terms-and-conditions", "terms-of-service", "terms"),
}
_TITLES = {
    "refund": "Refund policy",
    "shipping": "Shipping policy",
    "privacy": "Privacy policy",
    "terms": "Terms of service",
}


def search_terms(query: str) -> list[str]:
    terms: list[str] = []
    for word in _WORD.findall((query or "").lower()[:500]):
        if len(word) < 2 or word in _FILLER:
            continue
        stem = _singular(word)
        if stem not in terms:
            terms.append(stem)
    return terms[:8]


def _singular(word: str) -> str:
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def products_search(client: WooClient, query: str, *, limit: int, currency: str) -> list[Product]:
    terms = search_terms(query)
    if not terms:
        return []
    limit = max(1, min(limit, 5))
    found: dict[str, Mapping[str, Any]] = {}
    for term in terms[:_SEARCHED_WORDS]:
        rows = client.get("products", {"search": term, "status": "publish", "per_page": 10}).data
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict):
                found.setdefault(text(row.get("id")), row)
    ranked = sorted(found.values(), key=lambda row: _score(row, terms), reverse=True)[:limit]
    return [product_from_json(row, _variations(client, row), currency=currency) for row in ranked]


def _variations(client: WooClient, product: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if text(product.get("type")) != "variable":
        return []
    rows = client.paginate(f"products/{text(product.get('id'))}/variations", {}, limit=100)
    return [r for r in rows if isinstance(r, dict)]


def _score(product: Mapping[str, Any], terms: list[str]) -> int:
    title = _WORD.findall(text(product.get("name")).lower())
    tags = " ".join(text(t.get("name")) for t in product.get("tags") or [] if isinstance(t, dict))
    other = _WORD.findall(tags.lower())
    score = 0
    for term in terms:
        if any(w.startswith(term) for w in title):
            score += 2
        elif any(w.startswith(term) for w in other):
            score += 1
    return score


# ---------------------------------------------------------------- policies


def policy_pages(client: WooClient, pointed: Mapping[str, str] | None = None) -> list[Policy]:
    """The store's policies from its pages: `pointed` maps a policy type to a page slug
    or URL the merchant chose; types not named there fall back to the usual slugs."""
    wanted: dict[str, tuple[str, ...]] = dict(DEFAULT_POLICY_SLUGS)
    for kind, page in (pointed or {}).items():
        slug = page_slug(page)
        if kind in _TITLES and slug:
            wanted[kind] = (slug,)
    slugs = sorted({s for options in wanted.values() for s in options})
    rows = client.get(
        "pages", {"slug": ",".join(slugs), "status": "publish", "per_page": 100}, namespace="wp/v2"
    ).data
    pages = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    by_slug = {text(r.get("slug")): r for r in pages}
    policies = []
    for kind, options in wanted.items():
        found = next((by_slug[s] for s in options if s in by_slug), None)
        if found is None:
            continue
        body = _plain(_rendered(found.get("content")))
        if body:
            title = _plain(_rendered(found.get("title"))) or _TITLES[kind]
            policies.append(Policy(kind, title, body, text(found.get("link"))))
    return policies


def page_slug(page: str) -> str:
    """A page's slug from the slug itself or the page's URL ("" when neither)."""
    value = page.strip()
    if "/" in value:
        parts = [p for p in urlsplit(value).path.split("/") if p]
        value = parts[-1] if parts else ""
    return value if re.fullmatch(r"[a-z0-9_-]{1,200}", value) else ""


def _rendered(value: object) -> str:
    return text(value.get("rendered")) if isinstance(value, dict) else text(value)


def _plain(markup: str) -> str:
    spaced = re.sub(r"</(p|div|li|h\d)>|<br\s*/?>", "\n", markup, flags=re.I)
    stripped = html.unescape(re.sub(r"<[^>]+>", "", spaced))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in stripped.splitlines())
    return "\n".join(line for line in lines if line)[:20_000]
