"""Refreshing expiring offline tokens: ahead of expiry, on 401, once under concurrency."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.shopify_app.errors import NeedsReauthorization, TokenEndpointUnavailable
from apps.shopify_app.tokens import access_token_for, refresh_after_unauthorized
from apps.stores.models import Store
from apps.stores.services import TokenSet, store_install, store_uninstall
from tests.shopify_app.conftest import (
    ACCESS_TTL,
    SHOP,
    oauth_error,
    sent_json,
    token_response,
    token_url,
)

OLD_ACCESS = "shpat_00000000000000000000000000000old"
OLD_REFRESH = "shprt_0000000000000000000000000000old"
NEW_ACCESS = "shpat_11111111111111111111111111111new"
NEW_REFRESH = "shprt_1111111111111111111111111111new"


def _store(*, expires_in: timedelta | None, refresh_expires_in: timedelta | None = None) -> Store:
    now = timezone.now()
    tokens = TokenSet(
        access_token=OLD_ACCESS,
        scopes="write_orders",
        access_token_expires_at=now + expires_in if expires_in is not None else None,
        refresh_token=OLD_REFRESH if expires_in is not None else "",
        refresh_token_expires_at=now + (refresh_expires_in or timedelta(days=80))
        if expires_in is not None
        else None,
    )
    return store_install(platform="shopify", domain=SHOP, tokens=tokens)


def _refreshed():
    return httpx.Response(
        200, json=token_response(access_token=NEW_ACCESS, refresh_token=NEW_REFRESH)
    )


@pytest.mark.django_db
class TestAccessTokenFor:
    def test_a_fresh_token_is_returned_without_a_call(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=50))

        assert access_token_for(store) == OLD_ACCESS
        assert route.call_count == 0

    def test_a_non_expiring_token_is_returned_as_is(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=None)

        assert access_token_for(store) == OLD_ACCESS
        assert route.call_count == 0

    def test_a_token_about_to_expire_is_refreshed_and_the_pair_rotated(
        self, shopify_http, settings
    ):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=2))
        before = timezone.now()

        assert access_token_for(store) == NEW_ACCESS

        assert sent_json(route) == {
            "client_id": settings.SHOPIFY_API_KEY,
            "client_secret": settings.SHOPIFY_API_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": OLD_REFRESH,
        }
        stored = Store.objects.get(pk=store.pk)
        assert stored.access_token.reveal() == NEW_ACCESS
        assert stored.refresh_token.reveal() == NEW_REFRESH
        assert stored.access_token_expires_at >= before + timedelta(seconds=ACCESS_TTL)
        assert stored.refresh_token_expires_at > before + timedelta(days=89)
        assert store.access_token.reveal() == NEW_ACCESS  # the caller's instance too

    def test_an_expired_token_is_refreshed(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=-30))

        assert access_token_for(store) == NEW_ACCESS
        assert route.call_count == 1

    def test_a_stale_instance_rereads_the_row_instead_of_refreshing_again(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        stale = _store(expires_in=timedelta(minutes=1))
        access_token_for(Store.objects.get(pk=stale.pk))  # another worker refreshed

        assert access_token_for(stale) == NEW_ACCESS
        assert route.call_count == 1

    @pytest.mark.parametrize(
        "refusal",
        [
            oauth_error("invalid_grant", "Token has been expired or revoked."),
            oauth_error("invalid_client", "Client authentication failed", 401),
            httpx.Response(403, text="Forbidden"),
        ],
        ids=["invalid_grant", "invalid_client", "403"],
    )
    def test_a_refused_refresh_flags_the_store_for_reauthorisation(self, shopify_http, refusal):
        route = shopify_http.post(token_url()).mock(return_value=refusal)
        store = _store(expires_in=timedelta(minutes=1))

        with pytest.raises(NeedsReauthorization):
            access_token_for(store)
        with pytest.raises(NeedsReauthorization):
            access_token_for(Store.objects.get(pk=store.pk))  # no second attempt

        assert route.call_count == 1
        stored = Store.objects.get(pk=store.pk)
        assert stored.needs_reauth is True
        assert stored.access_token.reveal() == OLD_ACCESS
        assert stored.refresh_token.reveal() == OLD_REFRESH

    @pytest.mark.parametrize(
        "failure",
        [httpx.ConnectError("refused"), httpx.Response(502), httpx.Response(429)],
        ids=["down", "502", "429"],
    )
    def test_an_unavailable_endpoint_is_transient_and_changes_nothing(self, shopify_http, failure):
        route = shopify_http.post(token_url())
        if isinstance(failure, Exception):
            route.mock(side_effect=failure)
        else:
            route.mock(return_value=failure)
        store = _store(expires_in=timedelta(minutes=1))

        with pytest.raises(TokenEndpointUnavailable):
            access_token_for(store)

        stored = Store.objects.get(pk=store.pk)
        assert stored.needs_reauth is False
        assert stored.access_token.reveal() == OLD_ACCESS
        assert stored.refresh_token.reveal() == OLD_REFRESH

    def test_an_expired_refresh_token_needs_the_merchant(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=-5), refresh_expires_in=timedelta(seconds=-1))

        with pytest.raises(NeedsReauthorization):
            access_token_for(store)

        assert route.call_count == 0
        assert Store.objects.get(pk=store.pk).needs_reauth is True

    def test_an_uninstalled_store_gets_no_token(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=1))
        store_uninstall(store)

        with pytest.raises(NeedsReauthorization):
            access_token_for(store)
        assert route.call_count == 0


@pytest.mark.django_db
class TestRefreshAfterUnauthorized:
    def test_a_rejected_current_token_is_refreshed_even_before_expiry(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=50))

        assert refresh_after_unauthorized(store, OLD_ACCESS) == NEW_ACCESS
        assert route.call_count == 1
        assert Store.objects.get(pk=store.pk).refresh_token.reveal() == NEW_REFRESH

    def test_a_token_another_worker_already_replaced_is_not_refreshed_again(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=timedelta(minutes=50))
        refresh_after_unauthorized(Store.objects.get(pk=store.pk), OLD_ACCESS)

        assert refresh_after_unauthorized(store, OLD_ACCESS) == NEW_ACCESS
        assert route.call_count == 1

    def test_a_rejected_non_expiring_token_needs_the_merchant(self, shopify_http):
        route = shopify_http.post(token_url()).mock(return_value=_refreshed())
        store = _store(expires_in=None)

        with pytest.raises(NeedsReauthorization):
            refresh_after_unauthorized(store, OLD_ACCESS)

        assert route.call_count == 0
        assert Store.objects.get(pk=store.pk).needs_reauth is True

    def test_a_refused_refresh_after_401_flags_the_store(self, shopify_http):
        shopify_http.post(token_url()).mock(
            return_value=oauth_error("invalid_grant", "Token has been expired or revoked.")
        )
        store = _store(expires_in=timedelta(minutes=50))

        with pytest.raises(NeedsReauthorization):
            refresh_after_unauthorized(store, OLD_ACCESS)
        assert Store.objects.get(pk=store.pk).needs_reauth is True


def test_no_token_reaches_the_logs_during_refresh(db, shopify_http, caplog, settings):
    caplog.set_level(logging.DEBUG)
    shopify_http.post(token_url()).mock(
        side_effect=[_refreshed(), oauth_error("invalid_grant", "Token has been revoked.")]
    )
    store = _store(expires_in=timedelta(minutes=1))
    access_token_for(store)
    with pytest.raises(NeedsReauthorization):
        refresh_after_unauthorized(store, NEW_ACCESS)

    assert "shopify token refreshed" in caplog.text
    assert "needs re-authorisation" in caplog.text
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, settings.SHOPIFY_API_SECRET):
        assert secret not in text


# ------------------------------------------------------------ concurrency, real PG + Redis


def _race(target, workers: int = 2) -> list[object]:
    """Run `target` in `workers` threads released together; return results or exceptions."""
    barrier = threading.Barrier(workers)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _slow_refresh(request: httpx.Request) -> httpx.Response:
    time.sleep(0.3)  # long enough that both workers are inside access_token_for
    return _refreshed()


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_refresh_exactly_once(shopify_http):
    assert connection.vendor == "postgresql"
    route = shopify_http.post(token_url()).mock(side_effect=_slow_refresh)
    store_id = _store(expires_in=timedelta(minutes=1)).pk

    results = _race(lambda: access_token_for(Store.objects.get(pk=store_id)), workers=4)

    assert results == [NEW_ACCESS] * 4
    assert route.call_count == 1
    assert Store.objects.get(pk=store_id).refresh_token.reveal() == NEW_REFRESH


@pytest.mark.django_db(transaction=True)
def test_concurrent_401s_for_one_token_refresh_exactly_once(shopify_http):
    route = shopify_http.post(token_url()).mock(side_effect=_slow_refresh)
    store_id = _store(expires_in=timedelta(minutes=50)).pk

    results = _race(
        lambda: refresh_after_unauthorized(Store.objects.get(pk=store_id), OLD_ACCESS), workers=3
    )

    assert results == [NEW_ACCESS] * 3
    assert route.call_count == 1
