from __future__ import annotations

from decimal import Decimal

import pytest

from apps.integrations.commerce.shopify.policies import html_to_text, policies_import
from apps.integrations.tasks import import_shopify_policies
from apps.stores.models import KnowledgeEntry, KnowledgeKind
from tests.integrations.shopify.answers import ok

pytestmark = pytest.mark.django_db

PRODUCT = {
    "id": "gid://shopify/Product/1",
    "title": "Classic Hoodie",
    "handle": "classic-hoodie",
    "onlineStoreUrl": "https://shop.example.com/products/classic-hoodie",
    "description": "Soft cotton.",
    "productType": "Hoodies",
    "tags": ["cotton"],
    "priceRangeV2": {"minVariantPrice": {"amount": "49.0", "currencyCode": "USD"}},
    "variants": {
        "nodes": [
            {
                "id": "gid://shopify/ProductVariant/1",
                "title": "M",
                "sku": "H-M",
                "price": "49.00",
                "availableForSale": True,
            },
            {
                "id": "gid://shopify/ProductVariant/2",
                "title": "L",
                "sku": "H-L",
                "price": "52.00",
                "availableForSale": False,
            },
        ]
    },
}


def test_product_search_returns_price_and_availability(provider, fake):
    fake.on("ProductsSearch", ok({"products": {"nodes": [PRODUCT]}}))

    [product] = provider.search_products('hoodies" OR vendor:x -(cheap)', limit=20)

    assert product.title == "Classic Hoodie"
    assert product.currency == "USD"
    assert product.available
    assert product.min_price == Decimal("49.00")
    assert [v.available for v in product.variants] == [True, False]
    # Only words reach the query (no quotes, fields, negation); each one a prefix, ORed.
    assert fake.calls[0].variables == {
        "query": "status:active (hood* OR vendor* OR cheap*)",
        "first": 10,
    }


def test_products_are_ranked_by_the_customers_words(provider, fake):
    socks = {**PRODUCT, "id": "gid://shopify/Product/2", "title": "Wool Socks", "tags": ["wool"]}
    runners = {**PRODUCT, "id": "gid://shopify/Product/3", "title": "Trail Runner Shoes"}
    fake.on("ProductsSearch", ok({"products": {"nodes": [socks, runners]}}))

    found = provider.search_products("Do you still have the trail runners?", limit=1)

    assert [p.title for p in found] == ["Trail Runner Shoes"]
    assert fake.calls[0].variables["query"] == "status:active (trail* OR runner*)"


def test_an_empty_product_query_asks_nothing(provider, fake):
    assert provider.search_products("  ?? ") == []
    assert fake.calls == []


def test_html_becomes_plain_text_and_scripts_vanish() -> None:
    html = (
        "<h2>Returns</h2><p>Within <b>30&nbsp;days</b> &amp; unused.</p>"
        "<script>steal()</script><ul><li>Tags on</li><li>Receipt</li></ul>"
        '<p onclick="x()">&lt;b&gt;literal&lt;/b&gt;</p>'
    )
    text = html_to_text(html)
    assert text == (
        "Returns\n\nWithin 30 days & unused.\n\n- Tags on\n\n- Receipt\n\n<b>literal</b>"
    )
    assert "steal" not in text


def _policies(*items):  # type: ignore[no-untyped-def]
    return ok({"shop": {"shopPolicies": list(items)}})


def _policy(kind, body, title=None):  # type: ignore[no-untyped-def]
    return {
        "id": f"gid://shopify/ShopPolicy/{kind}",
        "type": kind,
        "title": title or kind.replace("_", " ").title(),
        "body": body,
        "url": f"https://shop.example.com/policies/{kind.lower()}",
    }


def test_policies_are_imported_idempotently_and_removed_ones_go(shop_store, fake, provider):
    fake.on(
        "ShopPolicies",
        [
            _policies(
                _policy("REFUND_POLICY", "<p>30 days</p>"),
                _policy("SHIPPING_POLICY", "<p>Ships in 2 days</p>"),
            ),
            _policies(
                _policy("REFUND_POLICY", "<p>45 days</p>"), _policy("SUBSCRIPTION_POLICY", "")
            ),
        ],
    )
    KnowledgeEntry.objects.create(
        store=shop_store,
        kind=KnowledgeKind.POLICY,
        policy_type="warranty",
        title="Warranty",
        body="2 years",
    )

    first = policies_import(store=shop_store, policies=provider.get_policies())
    again = policies_import(store=shop_store, policies=provider.get_policies())

    assert (first.created, first.updated, first.removed) == (2, 0, 0)
    assert (again.created, again.updated, again.removed) == (0, 1, 1)
    entries = {e.policy_type: e.body for e in KnowledgeEntry.objects.filter(store=shop_store)}
    assert entries == {"refund": "45 days", "warranty": "2 years"}


def test_the_policy_task_imports_for_an_installed_shopify_store(shop_store, fake):
    fake.on("ShopPolicies", _policies(_policy("PRIVACY_POLICY", "<p>We keep little.</p>")))
    import_shopify_policies.apply(args=(shop_store.pk,))
    assert KnowledgeEntry.objects.get(store=shop_store).body == "We keep little."
