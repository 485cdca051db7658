"""The demo store on another platform, for the agent's evaluation (evaluate_agent
--platform, tests/agent/test_eval_platforms.py).

A stand-in of that platform's API holds the demo store's catalogue, customers, policy
pages and orders in the platform's own shapes (standins/<platform>/build.py), mounted
behind respx (no network); a Store of that platform is installed here with the demo's
settings and knowledge, and its orders are read once into the snapshot through the
platform's provider, as the install's backfill and order webhooks would have. `reset`
puts the stand-in back as it was (a case's refunds and notes gone); the caller's
transaction does the same for our rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

PLATFORMS = ("bigcommerce", "woocommerce")
WOO_DOMAIN = "woo-demo.aftersale.test"
WOO_KEY, WOO_SECRET = "ck_" + "e" * 40, "cs_" + "f" * 40


@dataclass
class DemoWorld:
    store: object  # apps.stores.models.Store
    reset: Callable[[], None]
    requests: Callable[[], int]  # API requests the stand-in has answered so far


@contextmanager
def platform_demo(platform: str, now: datetime) -> Iterator[DemoWorld]:
    """The demo store on `platform`, for the time of the block."""
    import respx
    from django.test import override_settings

    if platform not in PLATFORMS:
        raise ValueError(f"no demo store for platform {platform!r}")
    # respx answers every request in this block (an unmatched one raises), so the local
    # stand-in host names never reach a resolver or a socket.
    with (
        override_settings(WOOCOMMERCE_ALLOW_LOCAL_HOSTS=True),
        respx.mock(assert_all_called=False) as router,
    ):
        yield _bigcommerce(router, now) if platform == "bigcommerce" else _woocommerce(router, now)


def _bigcommerce(router: object, now: datetime) -> DemoWorld:
    from standins.bigcommerce.api import BigCommerceStandIn
    from standins.bigcommerce.demo import demo_bigcommerce_store, reset, warm_cache

    # The evaluation asks dozens of questions a second, a pace no store's customers keep:
    # on the Standard plan's 150 requests per 30 s (or Pro's 450) its later cases would
    # measure waits for the window, not answers. So an Enterprise-sized quota (BigCommerce
    # sets those per contract); bench/platforms.py measures the Standard one.
    standin = BigCommerceStandIn("evaldemo", token="bc_eval_token", quota=100_000)
    standin.mount(router)
    store = demo_bigcommerce_store(standin, now)
    warm_cache(store, list(standin.state.orders))
    return DemoWorld(
        store=store, reset=lambda: reset(standin, now), requests=lambda: len(standin.calls)
    )


def _woocommerce(router: object, now: datetime) -> DemoWorld:
    from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
    from apps.integrations.commerce.woocommerce.provider import WooCommerceProvider
    from apps.stores.models import Platform, Store, StoreStatus
    from apps.stores.services import TokenSet, store_install
    from standins.bigcommerce.demo import demo_settings_and_knowledge
    from standins.woocommerce import WooStandIn
    from standins.woocommerce.build import demo_store

    shop = WooStandIn(WOO_DOMAIN, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)
    demo_store(shop, now)
    shop.mount(router)
    store = store_install(
        platform=Platform.WOOCOMMERCE,
        domain=WOO_DOMAIN,
        tokens=TokenSet(
            access_token=key_pair_pack(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)
        ),
    )
    Store.objects.filter(pk=store.pk).update(status=StoreStatus.INSTALLED)
    store = demo_settings_and_knowledge(store)
    provider = WooCommerceProvider(store)
    try:
        provider.orders.product_tags_warm()
        for order_id in list(shop.orders):
            provider.get_order(str(order_id))
    finally:
        provider.close()

    def reset() -> None:
        fresh = WooStandIn(WOO_DOMAIN, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)
        demo_store(fresh, now)
        fresh.requests, fresh.throttled = shop.requests, shop.throttled  # counted per world
        shop.__dict__.update(fresh.__dict__)  # the mounted route calls this object

    return DemoWorld(store=store, reset=reset, requests=lambda: shop.requests)
