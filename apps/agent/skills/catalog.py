"""Product questions, answered from the store's catalogue: availability, price, variants."""

from __future__ import annotations

from apps.agent.actions import record
from apps.agent.context import Draft, Turn
from apps.agent.replies import fmt_list, lines
from apps.agent.skills.describe import money_fact
from apps.conversations.models import ActionKind
from apps.integrations.commerce.base import Product

PRODUCTS_SHOWN = 3


def product_question(turn: Turn) -> Draft:
    query = " ".join(turn.understanding.entities.product_terms)
    products = _search(turn, query) if query else []
    if not products:
        products = _search(turn, turn.message.text)
    if not products:
        return Draft(
            lines(
                "I couldn't find a product matching that in our catalog. Could you tell me "
                "the product's name?",
                turn.say("anything_else"),
            )
        )
    sizes = {s.upper() for s in turn.understanding.entities.sizes}
    described = [_describe(turn, p, sizes, detail=i == 0) for i, p in enumerate(products)]
    return Draft(lines(*described, turn.say("anything_else")))


def _search(turn: Turn, query: str) -> list[Product]:
    products = turn.provider.search_products(query, limit=PRODUCTS_SHOWN)
    turn.add_record(
        record(
            kind=ActionKind.SEARCH_PRODUCTS,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            parameters={"query": query[:200]},
            result={"products": [p.id for p in products]},
        )
    )
    return products


def _describe(turn: Turn, product: Product, sizes: set[str], *, detail: bool) -> str:
    turn.facts.add("product", product.title)
    prices = sorted({v.price for v in product.variants})
    if not prices:
        return f"{product.title}: not currently for sale."
    price = money_fact(turn, prices[0], product.currency)
    if len(prices) > 1:
        price = f"{price} to {money_fact(turn, prices[-1], product.currency)}"
    parts = [f"{product.title}: {price}. {_availability(turn, product, sizes)}"]
    if detail and product.description:
        turn.facts.add("description", product.description)
        parts.append(product.description)
    if detail and product.url:
        turn.facts.add("url", product.url)
        parts.append(f"More: {product.url}")
    return " ".join(parts)


def _availability(turn: Turn, product: Product, sizes: set[str]) -> str:
    for variant in product.variants:
        turn.facts.add("variant", variant.title)
    asked = [v for v in product.variants if v.title.upper() in sizes]
    overall = _overall(product)
    if not asked:
        return overall
    answers = " ".join(
        f"In {v.title}: {'in stock' if v.available else 'out of stock'}"
        f" ({money_fact(turn, v.price, product.currency)})."
        for v in asked
    )
    return f"{answers} {overall}" if len(product.variants) > 1 else answers


def _overall(product: Product) -> str:
    in_stock = [v.title for v in product.variants if v.available]
    out = [v.title for v in product.variants if not v.available]
    if len(product.variants) == 1:
        return "In stock." if in_stock else "Out of stock right now."
    if not in_stock:
        return "Out of stock right now."
    text = f"Available in {fmt_list(in_stock)}."
    if out:
        text += f" {fmt_list(out)} {'is' if len(out) == 1 else 'are'} out of stock."
    return text
