from __future__ import annotations

import threading

import pytest
from django.db import connections

from apps.shopify_app.models import OAuthState
from apps.shopify_app.oauth_state import oauth_state_consume, oauth_state_issue
from tests.shopify_app.conftest import SHOP


@pytest.mark.django_db
def test_a_state_is_consumed_once_and_only_for_its_shop():
    nonce = oauth_state_issue(shop=SHOP)

    assert oauth_state_consume(shop="other.myshopify.com", nonce=nonce) is False
    assert oauth_state_consume(shop=SHOP, nonce=nonce) is True
    assert oauth_state_consume(shop=SHOP, nonce=nonce) is False


@pytest.mark.django_db
def test_issuing_a_state_sweeps_long_expired_ones():
    from datetime import timedelta

    from django.utils import timezone

    oauth_state_issue(shop=SHOP)
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(days=2))
    oauth_state_issue(shop=SHOP)

    assert OAuthState.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_callbacks_consume_a_state_exactly_once():
    nonce = oauth_state_issue(shop=SHOP)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def consume() -> None:
        try:
            barrier.wait()
            results.append(oauth_state_consume(shop=SHOP, nonce=nonce))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, False, False, True]
