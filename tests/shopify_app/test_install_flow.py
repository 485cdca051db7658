"""The authorization-code install: /shopify/install -> Shopify -> /shopify/callback."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis
from django.db import connection
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.shopify_app.models import OAuthState
from apps.shopify_app.security import sign_query
from apps.stores.models import Store, StoreSettings, StoreStatus
from apps.stores.services import TokenSet, store_install, store_uninstall
from tests.headers import frame_ancestors
from tests.shopify_app.conftest import (
    ACCESS_TTL,
    REFRESH_TTL,
    SHOP,
    oauth_error,
    queued_tasks,
    sent_json,
    token_response,
    token_url,
)

pytestmark = pytest.mark.django_db

CODE = "0907a61c0c8d55e99db179b68161bc00"
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZmFuY3ktc29ja3M"  # base64 of admin.shopify.com/store/...


def _install(client, shop: str = SHOP, **params: str):
    return client.get("/shopify/install", {"shop": shop, **params})


def _state_from(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def _signed(params: dict[str, str], secret: str | None = None) -> dict[str, str]:
    return {**params, "hmac": sign_query(params, secret)}


def _callback_params(state: str, shop: str = SHOP, **overrides: str) -> dict[str, str]:
    params = {
        "code": CODE,
        "host": HOST,
        "shop": shop,
        "state": state,
        "timestamp": str(int(time.time())),
    }
    params.update(overrides)
    return _signed(params)


def _assert_nothing_installed() -> None:
    assert Store.objects.count() == 0
    assert StoreSettings.objects.count() == 0
    assert queued_tasks() == []


# ------------------------------------------------------------------ /shopify/install


def test_install_redirects_to_shopify_with_a_state_bound_to_the_shop(client, settings):
    response = _install(client, SHOP.upper())

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        SHOP,
        "/admin/oauth/authorize",
    )
    query = parse_qs(location.query)
    assert query["client_id"] == [settings.SHOPIFY_API_KEY]
    assert query["scope"] == [settings.SHOPIFY_SCOPES]
    assert query["redirect_uri"] == [f"{settings.APP_URL}/shopify/callback"]
    assert "grant_options[]" not in query  # offline access
    state = query["state"][0]
    row = OAuthState.objects.get()
    assert row.shop == SHOP
    assert row.nonce_hash == hashlib.sha256(state.encode()).hexdigest()
    assert state not in row.nonce_hash
    assert row.used_at is None
    assert row.expires_at > timezone.now() + timedelta(minutes=9)


def test_each_install_gets_its_own_state(client):
    assert _state_from(_install(client)) != _state_from(_install(client))
    assert OAuthState.objects.count() == 2


@pytest.mark.parametrize(
    "shop",
    [
        "evil.com",
        "x.myshopify.com.evil.com",
        "https://x.myshopify.com",
        "x.myshopify.com/../",
        "x.myshopify.com/",
        "x.myshopify.com:443",
        "user@x.myshopify.com",
        "-x.myshopify.com",
        "x_y.myshopify.com",
        "x.myshopify.com\nevil.com",
        "myshopify.com",
        "",
    ],
)
def test_install_refuses_anything_but_a_shop_domain(client, shop):
    response = _install(client, shop)

    assert response.status_code == 400
    assert b"not a Shopify store address" in response.content
    assert OAuthState.objects.count() == 0


def test_install_without_a_shop_or_with_two_is_refused(client):
    assert client.get("/shopify/install").status_code == 400
    assert client.get(f"/shopify/install?shop={SHOP}&shop=other.myshopify.com").status_code == 400
    assert OAuthState.objects.count() == 0


def test_a_signed_install_link_from_shopify_is_accepted(client):
    params = _signed({"shop": SHOP, "timestamp": str(int(time.time()))})
    assert client.get("/shopify/install", params).status_code == 302
    assert OAuthState.objects.filter(shop=SHOP).count() == 1


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"hmac": "0" * 64}, id="forged"),
        pytest.param({"hmac": ""}, id="empty"),
        pytest.param("other-secret", id="wrong-secret"),
        pytest.param("stale", id="stale-timestamp"),
    ],
)
def test_a_bad_install_signature_is_refused(client, params):
    base = {"shop": SHOP, "timestamp": str(int(time.time()))}
    if params == "other-secret":
        query = _signed(base, "shpss_0123456789abcdef0123456789abcdef")
    elif params == "stale":
        query = _signed({**base, "timestamp": str(int(time.time()) - 3600)})
    else:
        query = {**base, **params}

    response = client.get("/shopify/install", query)

    assert response.status_code == 400
    assert b"could not verify" in response.content
    assert OAuthState.objects.count() == 0


def test_install_pages_cannot_be_framed(client):
    response = _install(client, "evil.com")
    assert frame_ancestors(response) == "frame-ancestors 'none';"
    assert response["X-Frame-Options"] == "DENY"


# ------------------------------------------------------------------ /shopify/callback


def test_callback_exchanges_the_code_and_installs_the_store(
    client, shopify_http, settings, django_capture_on_commit_callbacks
):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/shopify/callback", _callback_params(state))

    assert response.status_code == 302
    assert response["Location"] == f"https://{SHOP}/admin/apps/{settings.SHOPIFY_API_KEY}"
    assert sent_json(route) == {
        "client_id": settings.SHOPIFY_API_KEY,
        "client_secret": settings.SHOPIFY_API_SECRET,
        "code": CODE,
        "expiring": 1,
    }
    store = Store.objects.get()
    assert (store.platform, store.domain, store.status) == ("shopify", SHOP, "installed")
    assert store.access_token.reveal() == token_response()["access_token"]
    assert store.refresh_token.reveal() == token_response()["refresh_token"]
    assert store.scopes == {"write_orders", "read_customers", "read_products"}
    assert before + timedelta(seconds=ACCESS_TTL) <= store.access_token_expires_at
    assert store.access_token_expires_at <= timezone.now() + timedelta(seconds=ACCESS_TTL)
    assert store.refresh_token_expires_at >= before + timedelta(seconds=REFRESH_TTL)
    assert StoreSettings.objects.filter(store=store).exists()
    assert OAuthState.objects.get().used_at is not None
    assert queued_tasks() == [("apps.shopify_app.tasks.post_install", f"({store.pk},)")]


def test_tokens_are_encrypted_in_the_database(client, shopify_http):
    shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    client.get("/shopify/callback", _callback_params(state))

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM stores_store")
        row = cursor.fetchone()
    assert all(value.startswith("gAAAAA") and "shp" not in value for value in row)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "hmac"}, id="missing-hmac"),
        pytest.param(lambda p: {**p, "hmac": "f" * 64}, id="forged-hmac"),
        pytest.param(lambda p: {**p, "code": "attacker-code"}, id="code-swapped"),
        pytest.param(lambda p: {**p, "shop": "other.myshopify.com"}, id="shop-swapped"),
    ],
)
def test_callback_with_a_missing_or_forged_hmac_changes_nothing(client, shopify_http, tamper):
    route = shopify_http.post(url__regex=r".*").respond(200, json=token_response())
    state = _state_from(_install(client))

    response = client.get("/shopify/callback", tamper(_callback_params(state)))

    assert response.status_code == 400
    assert b"could not verify" in response.content
    assert route.call_count == 0
    _assert_nothing_installed()
    assert OAuthState.objects.get().used_at is None  # the real callback can still complete


def test_callback_with_a_stale_timestamp_is_refused(client, shopify_http):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    stale = str(int(time.time()) - 600)

    response = client.get("/shopify/callback", _callback_params(state, timestamp=stale))

    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()
    assert OAuthState.objects.get().used_at is None


def test_a_reused_state_is_refused(client, shopify_http):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    assert client.get("/shopify/callback", _callback_params(state)).status_code == 302
    installed = Store.objects.get()

    replay = client.get("/shopify/callback", _callback_params(state, code="second-code"))

    assert replay.status_code == 400
    assert b"expired" in replay.content
    assert route.call_count == 1
    assert Store.objects.get().access_token == installed.access_token


def test_another_shops_state_is_refused_and_left_usable(client, shopify_http):
    route = shopify_http.post(url__regex=r".*").respond(200, json=token_response())
    state_for_other = _state_from(_install(client, "other.myshopify.com"))

    response = client.get("/shopify/callback", _callback_params(state_for_other))

    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()
    assert OAuthState.objects.get().used_at is None


@pytest.mark.parametrize("state", ["", "made-up-state", "x" * 500])
def test_an_unknown_state_is_refused(client, shopify_http, state):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    _install(client)

    response = client.get("/shopify/callback", _callback_params(state))

    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()


def test_an_expired_state_is_refused(client, shopify_http):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/shopify/callback", _callback_params(state))

    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()


def test_a_callback_without_a_code_is_refused(client, shopify_http):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    params = _callback_params(state)
    del params["code"], params["hmac"]

    response = client.get("/shopify/callback", _signed(params))

    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()


@pytest.mark.parametrize(
    "shop", ["evil.com", "x.myshopify.com.evil.com", "https://x.myshopify.com"]
)
def test_callback_refuses_a_bad_shop_even_when_signed(client, shopify_http, shop):
    route = shopify_http.post(url__regex=r".*").respond(200, json=token_response())
    response = client.get("/shopify/callback", _callback_params("any", shop=shop))
    assert response.status_code == 400
    assert route.call_count == 0
    _assert_nothing_installed()


@pytest.mark.parametrize(
    ("answer", "status", "wording"),
    [
        pytest.param(httpx.ConnectError("connection refused"), 502, b"not answering", id="down"),
        pytest.param(httpx.ReadTimeout("timed out"), 502, b"not answering", id="timeout"),
        pytest.param(
            httpx.Response(500, text="Internal Server Error"), 502, b"not answering", id="500"
        ),
        pytest.param(
            httpx.Response(503, text="<html>maintenance</html>"), 502, b"not answering", id="503"
        ),
        pytest.param(
            httpx.Response(
                429, headers={"Retry-After": "2"}, json={"errors": "Exceeded 2 calls per second"}
            ),
            502,
            b"not answering",
            id="429",
        ),
        pytest.param(httpx.Response(200, text="not json"), 502, b"not answering", id="garbled"),
        pytest.param(
            httpx.Response(200, json={"scope": "read_orders"}), 502, b"not answering", id="no-token"
        ),
        pytest.param(
            httpx.Response(302, headers={"Location": "https://evil.com"}),
            502,
            b"not answering",
            id="redirect",
        ),
        pytest.param(
            oauth_error(
                "invalid_request", "The authorization code was not found or was already used"
            ),
            400,
            b"did not accept",
            id="code-refused",
        ),
        pytest.param(
            oauth_error("invalid_client", "Client authentication failed", 401),
            400,
            b"did not accept",
            id="client-refused",
        ),
    ],
)
def test_a_failing_token_endpoint_shows_an_error_page_and_installs_nothing(
    client, shopify_http, answer, status, wording
):
    route = shopify_http.post(token_url())
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    state = _state_from(_install(client))

    response = client.get("/shopify/callback", _callback_params(state))

    assert response.status_code == status
    assert wording in response.content
    assert b"Nothing was installed" in response.content
    assert f"/shopify/install?shop={SHOP}".encode() in response.content
    assert route.call_count == 1
    _assert_nothing_installed()


def test_a_failing_token_endpoint_leaves_an_uninstalled_store_uninstalled(client, shopify_http):
    store = store_install(platform="shopify", domain=SHOP, tokens=TokenSet(access_token="shpat_a"))
    store_uninstall(store)
    shopify_http.post(token_url()).respond(500)
    state = _state_from(_install(client))

    assert client.get("/shopify/callback", _callback_params(state)).status_code == 502

    store.refresh_from_db()
    assert store.status == StoreStatus.UNINSTALLED
    assert store.access_token is None
    assert store.refresh_token is None


def test_reinstalling_after_an_uninstall_revives_the_same_store(client, shopify_http):
    old = TokenSet(access_token="shpat_old", refresh_token="shprt_old")
    store = store_install(platform="shopify", domain=SHOP, tokens=old)
    store_uninstall(store)
    shopify_http.post(token_url()).respond(
        200, json=token_response(access_token="shpat_new", refresh_token="shprt_new")
    )
    state = _state_from(_install(client))

    assert client.get("/shopify/callback", _callback_params(state)).status_code == 302

    revived = Store.objects.get()
    assert revived.pk == store.pk
    assert revived.status == StoreStatus.INSTALLED
    assert revived.uninstalled_at is None
    assert revived.access_token.reveal() == "shpat_new"
    assert revived.refresh_token.reveal() == "shprt_new"


def test_no_token_code_or_secret_reaches_the_logs(client, shopify_http, caplog, settings):
    caplog.set_level(logging.DEBUG)
    shopify_http.post(token_url()).respond(200, json=token_response())
    state = _state_from(_install(client))
    client.get("/shopify/callback", _callback_params(state))
    client.get("/shopify/callback", _callback_params(state))  # a refused replay logs too

    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "shopify store installed" in caplog.text
    for secret in (
        token_response()["access_token"],
        token_response()["refresh_token"],
        CODE,
        state,
        settings.SHOPIFY_API_SECRET,
    ):
        assert secret not in text


def test_redis_down_during_the_callback_is_a_502_and_installs_nothing(
    client, shopify_http, monkeypatch
):
    state = _state_from(_install(client))
    dead = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr("apps.core.locks.get_redis", lambda: dead)
    route = shopify_http.post(token_url()).respond(200, json=token_response())

    response = client.get("/shopify/callback", _callback_params(state))

    assert response.status_code == 502
    assert route.call_count == 0
    _assert_nothing_installed()
