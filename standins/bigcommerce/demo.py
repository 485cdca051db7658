"""A BigCommerce demo store: a Store row of platform "bigcommerce" whose API is a stand-in
holding the demo store's data, with the demo's settings and knowledge (tests/eval, bench)."""

from __future__ import annotations

from datetime import datetime

from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.orders import OrderReader
from apps.integrations.commerce.demo import data
from apps.stores.models import (
    KnowledgeEntry,
    KnowledgeKind,
    Platform,
    Store,
    StoreSettings,
    StoreStatus,
)
from apps.stores.services import TokenSet, store_install
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.build import demo_store
from standins.bigcommerce.state import StoreState


def demo_bigcommerce_store(standin: BigCommerceStandIn, now: datetime) -> Store:
    """Fill `standin` with the demo data and install its store here (settings, knowledge)."""
    demo_store(standin, now)
    store = store_install(
        platform=Platform.BIGCOMMERCE,
        domain=f"store-{standin.state.store_hash}.mybigcommerce.com",
        tokens=TokenSet(access_token=standin.token, scopes="store_v2_orders"),
        name=data.STORE_NAME,
    )
    return demo_settings_and_knowledge(store)


def demo_settings_and_knowledge(store: Store) -> Store:
    """The demo store's name, currency, settings and knowledge on an installed store of
    any platform (the same answers to policy questions wherever the orders live)."""
    Store.objects.filter(pk=store.pk).update(
        currency=data.CURRENCY, status=StoreStatus.INSTALLED, name=data.STORE_NAME
    )
    StoreSettings.objects.get_or_create(store=store)
    StoreSettings.objects.filter(store=store).update(**data.SETTINGS)
    KnowledgeEntry.objects.filter(store=store).delete()
    KnowledgeEntry.objects.bulk_create(
        [
            KnowledgeEntry(
                store=store,
                kind=KnowledgeKind.POLICY,
                policy_type=kind,
                title=title,
                body=body,
                source_url=f"https://{store.domain}/{slug}/",
            )
            for kind, title, slug, body in data.POLICIES
        ]
        + [
            KnowledgeEntry(store=store, kind=KnowledgeKind.FAQ, title=title, body=body)
            for title, body in data.FAQ
        ]
    )
    store.refresh_from_db()
    return store


def warm_cache(store: Store, numbers: list[int]) -> None:
    """Read these orders once, as the order webhooks would have: snapshot rows, fresh."""
    client = BigCommerceClient(store)
    try:
        reader = OrderReader(store, client)
        for number in numbers:
            reader.fetch(number)
    finally:
        client.close()


def reset(standin: BigCommerceStandIn, now: datetime) -> None:
    """The stand-in back to the demo data as it was at `now` (no refunds, notes, ...)."""
    standin.state = StoreState(standin.state.store_hash)
    demo_store(standin, now)
