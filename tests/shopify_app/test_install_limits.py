"""/shopify/install is open to anyone: it is throttled, and stores a bounded number of rows."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.core import ratelimit
from apps.shopify_app.models import OAuthState
from apps.shopify_app.oauth_state import MAX_STATES_PER_SHOP, oauth_state_issue
from tests.shopify_app.conftest import SHOP

pytestmark = pytest.mark.django_db


def _install(client: Client, shop: str = SHOP, address: str = "203.0.113.7"):
    return client.get("/shopify/install", {"shop": shop}, REMOTE_ADDR=address)


def test_two_hundred_calls_for_one_shop_keep_a_handful_of_rows(settings):
    settings.INSTALL_RATE_LIMITS = {"per_address": "1000/600", "per_shop": "1000/600"}
    client = Client()
    for _ in range(200):
        assert _install(client).status_code == 302

    assert OAuthState.objects.filter(shop=SHOP).count() == MAX_STATES_PER_SHOP


def test_the_newest_states_are_the_ones_kept():
    nonces = [oauth_state_issue(shop=SHOP) for _ in range(MAX_STATES_PER_SHOP + 3)]

    from apps.shopify_app.oauth_state import oauth_state_consume

    assert oauth_state_consume(shop=SHOP, nonce=nonces[0]) is False  # pushed out
    assert oauth_state_consume(shop=SHOP, nonce=nonces[-1]) is True


def test_one_address_is_throttled_with_retry_after(settings):
    settings.INSTALL_RATE_LIMITS = {"per_address": "5/600", "per_shop": "1000/600"}
    client = Client()
    shops = [f"shop-{i}.myshopify.com" for i in range(8)]
    answers = [_install(client, shop).status_code for shop in shops]

    assert answers == [302] * 5 + [429] * 3
    refused = _install(client, "one-more.myshopify.com")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert b"Too many" in refused.content
    assert OAuthState.objects.count() == 5
    # Another address is not affected.
    assert _install(client, "one-more.myshopify.com", address="198.51.100.9").status_code == 302


def test_one_shop_is_throttled_across_addresses(settings):
    settings.INSTALL_RATE_LIMITS = {"per_address": "1000/600", "per_shop": "3/600"}
    client = Client()
    answers = [_install(client, address=f"198.51.100.{i}").status_code for i in range(5)]

    assert answers == [302, 302, 302, 429, 429]
    assert _install(client, "another.myshopify.com").status_code == 302


def test_without_redis_the_demo_counts_in_memory(settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(ratelimit, "_memory", ratelimit._MemoryWindows())
    settings.INSTALL_RATE_LIMITS = {"per_address": "2/600", "per_shop": "1000/600"}
    client = Client()

    answers = [_install(client, f"s{i}.myshopify.com").status_code for i in range(3)]
    assert answers == [302, 302, 429]
