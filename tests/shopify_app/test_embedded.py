"""The embedded admin: GET /app/ with token exchange, and the @embedded_view decorator."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.shopify_app.embedded import EmbeddedRequest, embedded_view
from apps.shopify_app.token_endpoint import (
    ID_TOKEN_TYPE,
    OFFLINE_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
)
from apps.stores.models import Store, StoreSettings, StoreStatus
from apps.stores.services import TokenSet, store_install, store_uninstall
from tests.headers import frame_ancestors
from tests.shopify_app.conftest import (
    SHOP,
    make_session_token,
    oauth_error,
    queued_tasks,
    sent_json,
    token_response,
    token_url,
)

pytestmark = pytest.mark.django_db

OTHER_SHOP = "other-shop.myshopify.com"
RETRY = "X-Shopify-Retry-Invalid-Session-Request"
CSP = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"


def _installed(shop: str = SHOP, **token_fields) -> Store:
    fields = {
        "access_token": "shpat_live",
        "access_token_expires_at": timezone.now() + timedelta(minutes=50),
        "refresh_token": "shprt_live",
        "refresh_token_expires_at": timezone.now() + timedelta(days=80),
        **token_fields,
    }
    return store_install(platform="shopify", domain=shop, tokens=TokenSet(**fields))


def _open_app(client, token: str | None = None, **params: str):
    query = {"embedded": "1", "shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZmFuY3k"}
    if token is not None:
        query["id_token"] = token
    return client.get("/app/", {**query, **params})


# ------------------------------------------------------------------ GET /app/ (entry)


def test_first_load_exchanges_the_session_token_and_shows_the_home_page(
    client, shopify_http, settings, django_capture_on_commit_callbacks
):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    token = make_session_token()

    with django_capture_on_commit_callbacks(execute=True):
        response = _open_app(client, token)

    assert response.status_code == 200
    assert sent_json(route) == {
        "client_id": settings.SHOPIFY_API_KEY,
        "client_secret": settings.SHOPIFY_API_SECRET,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": 1,
    }
    store = Store.objects.get()
    assert (store.domain, store.status) == (SHOP, StoreStatus.INSTALLED)
    assert store.access_token.reveal() == token_response()["access_token"]
    assert store.refresh_token.reveal() == token_response()["refresh_token"]
    assert store.access_token_expires_at > timezone.now() + timedelta(minutes=59)
    assert StoreSettings.objects.filter(store=store).exists()
    assert queued_tasks() == [("apps.shopify_app.tasks.post_install", f"({store.pk},)")]
    html = response.content.decode()
    assert 'src="https://cdn.shopify.com/shopifycloud/app-bridge.js"' in html
    assert f'data-api-key="{settings.SHOPIFY_API_KEY}"' in html
    assert SHOP in html
    assert frame_ancestors(response) == CSP
    assert "X-Frame-Options" not in response


def test_a_store_with_a_valid_token_is_not_exchanged_again(client, shopify_http):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    store = _installed()

    assert _open_app(client, make_session_token()).status_code == 200
    assert route.call_count == 0
    assert Store.objects.get(pk=store.pk).access_token.reveal() == "shpat_live"


def test_an_expired_access_token_with_a_usable_refresh_token_is_left_to_refresh(
    client, shopify_http
):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    _installed(access_token_expires_at=timezone.now() - timedelta(minutes=5))

    assert _open_app(client, make_session_token()).status_code == 200
    assert route.call_count == 0


@pytest.mark.parametrize(
    "state",
    ["uninstalled", "needs_reauth", "refresh_expired", "no_refresh_token_and_expired"],
)
def test_a_store_without_usable_credentials_is_exchanged_and_revived(client, shopify_http, state):
    route = shopify_http.post(token_url()).respond(200, json=token_response())
    past = timezone.now() - timedelta(minutes=5)
    if state == "refresh_expired":
        store = _installed(access_token_expires_at=past, refresh_token_expires_at=past)
    elif state == "no_refresh_token_and_expired":
        store = _installed(access_token_expires_at=past, refresh_token="")
    else:
        store = _installed()
    if state == "uninstalled":
        store_uninstall(store)
    if state == "needs_reauth":
        Store.objects.filter(pk=store.pk).update(needs_reauth=True)

    assert _open_app(client, make_session_token()).status_code == 200

    assert route.call_count == 1
    revived = Store.objects.get()
    assert revived.pk == store.pk
    assert revived.status == StoreStatus.INSTALLED
    assert revived.needs_reauth is False
    assert revived.access_token.reveal() == token_response()["access_token"]


def test_an_invalid_subject_token_asks_app_bridge_to_retry(client, shopify_http):
    shopify_http.post(token_url()).mock(
        return_value=oauth_error("invalid_subject_token", "Session token is invalid.")
    )

    response = _open_app(client, make_session_token())

    assert response.status_code == 401
    assert response[RETRY] == "1"
    assert frame_ancestors(response) == CSP
    assert Store.objects.count() == 0


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(500),
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json={"access_token": 123}),
    ],
    ids=["down", "timeout", "500", "429", "garbled"],
)
def test_an_unavailable_token_endpoint_shows_an_error_page_and_installs_nothing(
    client, shopify_http, failure
):
    route = shopify_http.post(token_url())
    if isinstance(failure, Exception):
        route.mock(side_effect=failure)
    else:
        route.mock(return_value=failure)

    response = _open_app(client, make_session_token())

    assert response.status_code == 503
    assert b"Shopify is not answering" in response.content
    assert response["Retry-After"] == "30"
    assert frame_ancestors(response) == CSP
    assert Store.objects.count() == 0
    assert StoreSettings.objects.count() == 0


def test_a_refused_exchange_keeps_an_uninstalled_store_out(client, shopify_http, settings):
    store = _installed()
    store_uninstall(store)
    shopify_http.post(token_url()).mock(
        return_value=oauth_error("invalid_client", "Client authentication failed", 401)
    )

    response = _open_app(client, make_session_token())

    assert response.status_code == 403
    assert f"https://{SHOP}/admin/apps/{settings.SHOPIFY_API_KEY}".encode() in response.content
    assert b'target="_top"' in response.content
    stored = Store.objects.get(pk=store.pk)
    assert stored.status == StoreStatus.UNINSTALLED
    assert stored.access_token is None


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: make_session_token(secret="shpss_" + "f" * 32), id="forged"),
        pytest.param(lambda: make_session_token(aud="another-app"), id="wrong-aud"),
        pytest.param(lambda: "garbage", id="garbage"),
    ],
)
def test_an_invalid_id_token_is_a_401_page_with_the_retry_header(client, shopify_http, token):
    route = shopify_http.post(url__regex=r".*").respond(200, json=token_response())

    response = _open_app(client, token())

    assert response.status_code == 401
    assert response[RETRY] == "1"
    assert b"re-open Aftersale" in response.content
    assert route.call_count == 0
    assert Store.objects.count() == 0


def test_the_shop_comes_from_the_token_not_the_query(client, shopify_http):
    shopify_http.post(url__regex=r".*").respond(200, json=token_response())
    _installed(SHOP)
    _installed(OTHER_SHOP)

    response = _open_app(client, make_session_token(OTHER_SHOP), shop=SHOP)

    assert response.status_code == 200
    assert OTHER_SHOP in response.content.decode()
    assert SHOP not in response.content.decode().replace(OTHER_SHOP, "")
    assert frame_ancestors(response) == (
        f"frame-ancestors https://{OTHER_SHOP} https://admin.shopify.com;"
    )


def test_a_document_load_without_a_token_goes_to_the_bounce_page(client):
    response = client.get("/app/", {"shop": SHOP, "host": "aG9zdA", "embedded": "1"})

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/shopify/session-token"
    query = parse_qs(target.query)
    assert query["shop"] == [SHOP]
    assert query["host"] == ["aG9zdA"]
    reload_to = urlsplit(query["shopify-reload"][0])
    assert reload_to.path == "/app/"
    assert parse_qs(reload_to.query) == {"shop": [SHOP], "host": ["aG9zdA"], "embedded": ["1"]}


def test_a_document_load_with_an_expired_token_goes_to_the_bounce_page(client):
    now = int(time.time())
    stale = make_session_token(exp=now - 120, nbf=now - 180, iat=now - 180)

    response = _open_app(client, stale)

    assert response.status_code == 302
    reload_to = parse_qs(urlsplit(response["Location"]).query)["shopify-reload"][0]
    assert "id_token" not in reload_to


def test_a_document_load_without_token_or_shop_is_a_401(client):
    response = client.get("/app/")
    assert response.status_code == 401
    assert response[RETRY] == "1"
    assert frame_ancestors(response) == "frame-ancestors 'none';"


def test_no_token_reaches_the_logs_during_an_embedded_install(client, shopify_http, caplog):
    caplog.set_level(logging.DEBUG)
    shopify_http.post(token_url()).respond(200, json=token_response())
    token = make_session_token()
    _open_app(client, token)
    _open_app(client, make_session_token(secret="shpss_" + "e" * 32))

    assert "shopify store installed" in caplog.text
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (token, token_response()["access_token"], token_response()["refresh_token"]):
        assert secret not in text


# ------------------------------------------------------------ @embedded_view, fetch requests


@embedded_view
def _whoami(request: EmbeddedRequest) -> HttpResponse:
    return JsonResponse({"shop": request.store.domain, "user": request.shopify_session.user_id})


@embedded_view
def _page(request: EmbeddedRequest) -> HttpResponse:
    response = HttpResponse("<p>page</p>")
    response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors *"
    return response


def _fetch(token: str | None, method: str = "get", **headers: str):
    factory = RequestFactory()
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return _whoami(getattr(factory, method)("/app/api/whoami", **headers))


def test_a_bearer_token_authenticates_a_fetch_for_its_own_store(shopify_http):
    _installed(SHOP)
    _installed(OTHER_SHOP)

    response = _fetch(make_session_token(OTHER_SHOP, sub="7"))

    assert response.status_code == 200
    assert json.loads(response.content) == {"shop": OTHER_SHOP, "user": "7"}
    assert "Content-Security-Policy" not in response  # JSON cannot be framed anyway


def test_writes_are_authenticated_by_bearer_without_a_csrf_token(shopify_http):
    _installed()
    response = _fetch(make_session_token(), method="post")
    assert response.status_code == 200
    assert _whoami.csrf_exempt is True


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer ", id="empty"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic"),
        pytest.param("Bearer not.a.jwt", id="garbage"),
    ],
)
def test_a_malformed_authorization_header_is_a_json_401_with_retry(shopify_http, header):
    _installed()
    response = _whoami(RequestFactory().get("/app/api/whoami", HTTP_AUTHORIZATION=header))
    assert response.status_code == 401
    assert response[RETRY] == "1"
    assert json.loads(response.content) == {"error": "invalid_session_token"}


def test_an_expired_bearer_token_is_a_401_with_retry_not_a_redirect(shopify_http):
    _installed()
    now = int(time.time())
    response = _fetch(make_session_token(exp=now - 60, nbf=now - 120, iat=now - 120))
    assert response.status_code == 401
    assert response[RETRY] == "1"


def test_a_query_token_is_not_accepted_for_writes(shopify_http):
    _installed()
    request = RequestFactory().post(f"/app/api/whoami?id_token={make_session_token()}&shop={SHOP}")
    response = _whoami(request)
    assert response.status_code == 401
    assert json.loads(response.content) == {"error": "invalid_session_token"}


def test_a_fetch_for_an_uninstalled_store_is_refused_when_shopify_refuses(shopify_http, settings):
    store = _installed()
    store_uninstall(store)
    shopify_http.post(token_url()).mock(
        return_value=oauth_error("invalid_client", "Client authentication failed", 401)
    )

    response = _fetch(make_session_token())

    assert response.status_code == 403
    assert json.loads(response.content) == {
        "error": "store_not_installed",
        "reopen_url": f"https://{SHOP}/admin/apps/{settings.SHOPIFY_API_KEY}",
    }
    assert Store.objects.get(pk=store.pk).status == StoreStatus.UNINSTALLED


def test_html_responses_get_the_shops_frame_ancestors_and_keep_other_directives(shopify_http):
    _installed()
    request = RequestFactory().get("/app/page", HTTP_AUTHORIZATION=f"Bearer {make_session_token()}")

    response = _page(request)

    assert response["Content-Security-Policy"] == f"default-src 'self'; {CSP}"
    assert response.xframe_options_exempt is True


# ------------------------------------------------------------------ the bounce page


def test_the_bounce_page_only_loads_app_bridge_for_that_shop(client, settings):
    response = client.get(
        "/shopify/session-token", {"shop": SHOP, "shopify-reload": "/app/?shop=" + SHOP}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-api-key="{settings.SHOPIFY_API_KEY}"' in html
    assert "app-bridge.js" in html
    assert frame_ancestors(response) == CSP
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize(
    "reload_to",
    ["//evil.com/app/", "https://evil.com/app/", "/\\evil.com", "javascript:alert(1)", ""],
)
def test_the_bounce_page_refuses_to_reload_anywhere_else(client, reload_to):
    response = client.get("/shopify/session-token", {"shop": SHOP, "shopify-reload": reload_to})
    assert response.status_code == 400
    assert frame_ancestors(response) == "frame-ancestors 'none';"


def test_the_bounce_page_refuses_a_bad_shop(client):
    response = client.get("/shopify/session-token", {"shop": "evil.com", "shopify-reload": "/app/"})
    assert response.status_code == 400


def test_redis_down_during_a_first_load_is_a_503_and_installs_nothing(
    client, shopify_http, monkeypatch
):
    dead = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr("apps.core.locks.get_redis", lambda: dead)
    route = shopify_http.post(token_url()).respond(200, json=token_response())

    response = _open_app(client, make_session_token())

    assert response.status_code == 503
    assert route.call_count == 0
    assert Store.objects.count() == 0


def test_the_home_page_only_answers_reads(client):
    _installed()
    response = client.post("/app/", HTTP_AUTHORIZATION=f"Bearer {make_session_token()}")
    assert response.status_code == 405
