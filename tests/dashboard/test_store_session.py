"""Our own store session (BigCommerce, WooCommerce): a short-lived signed token bound to one
installed store, accepted beside Shopify session tokens, refused in every bad case."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import time_machine
from django.test import Client, RequestFactory

from apps.conversations.models import ActionStatus, AgentAction
from apps.dashboard.store_session import (
    REFRESH_HEADER,
    StoreSessionError,
    _signing_key,
    end_store_session,
    end_store_sessions,
    entry_url,
    start_store_session,
    store_from_session,
    verify_store_session,
)
from apps.stores.models import Platform, SettingsAuditEntry, Store, StoreStatus
from tests.dashboard.conftest import token_for
from tests.dashboard.routes import object_routes, routes, store_objects
from tests.factories import StoreFactory
from tests.headers import frame_ancestors

pytestmark = pytest.mark.django_db

RETRY = "X-Shopify-Retry-Invalid-Session-Request"


@pytest.fixture
def bc_store(db) -> Store:  # type: ignore[no-untyped-def]
    return StoreFactory(
        platform=Platform.BIGCOMMERCE, domain="store-abc123.mybigcommerce.com", name="BC Socks"
    )


@pytest.fixture
def wc_store(db) -> Store:  # type: ignore[no-untyped-def]
    return StoreFactory(platform=Platform.WOOCOMMERCE, domain="outfitters.example.com", name="Woo")


def _start(store: Store, user: str = "42") -> str:
    return start_store_session(RequestFactory().get("/"), None, store, user_id=user)


def _get(path: str, token: str, **extra):
    return Client().get(path, headers={"Authorization": f"Bearer {token}"}, **extra)


def _forged(target: Store, key: bytes | None = None, **overrides) -> str:
    now = datetime.now(tz=UTC)
    claims = {
        "iss": "aftersale",
        "aud": "aftersale-dashboard",
        "sub": "42",
        "store": target.pk,
        "plat": str(target.platform),
        "auth": now.timestamp(),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=10),
        "jti": "j1",
        **overrides,
    }
    return jwt.encode(
        claims, key or _signing_key(), algorithm="HS256", headers={"kid": "aftersale-store"}
    )


def test_a_started_session_opens_every_page_of_its_store(bc_store):
    token = _start(bc_store)
    objects = store_objects(bc_store)
    for method, path in routes(objects):
        if method != "GET":
            continue
        response = _get(path, token)
        # Some forms exist only for providers that are switched on (404 here, as for Shopify).
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response.status_code == 200 or "/integrations/" in path, path


def test_the_entry_url_opens_the_dashboard_with_the_token_for_one_document_load(bc_store):
    token = _start(bc_store)

    response = Client().get(entry_url(token))

    assert response.status_code == 200
    assert b"BC Socks" in response.content
    assert f'content="{token}"'.encode() in response.content
    # Links between pages never carry the token, only which platform to send a reload to.
    assert b"id_token" not in response.content.split(b"</head>")[1]
    assert b"via=bigcommerce" in response.content


def test_a_bigcommerce_page_may_be_framed_only_by_that_stores_control_panel(bc_store):
    response = _get("/app/", _start(bc_store))

    assert frame_ancestors(response) == (
        "frame-ancestors https://store-abc123.mybigcommerce.com https://login.bigcommerce.com;"
    )
    assert "X-Frame-Options" not in response
    assert "no-store" in response["Cache-Control"]


def test_a_woocommerce_page_may_not_be_framed(wc_store):
    response = _get("/app/", _start(wc_store))

    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'none';"


def test_writes_work_with_the_header_and_record_the_platform_user(bc_store):
    objects = store_objects(bc_store)
    response = Client().post(
        f"/app/actions/{objects.action.pk}/reject/",
        {"reason": "no"},
        headers={"Authorization": f"Bearer {_start(bc_store, user='7')}", "HX-Request": "true"},
    )

    assert response.status_code == 200
    assert AgentAction.objects.get(pk=objects.action.pk).status == ActionStatus.REJECTED


def test_a_token_in_the_query_string_is_not_accepted_for_writes(bc_store):
    objects = store_objects(bc_store)

    token = _start(bc_store)

    response = Client().post(f"/app/actions/{objects.action.pk}/approve/?id_token={token}")

    assert response.status_code == 401
    assert AgentAction.objects.get(pk=objects.action.pk).status == ActionStatus.AWAITING_APPROVAL


def test_another_stores_objects_are_404(bc_store, wc_store):
    mine = store_objects(bc_store)
    token = _start(wc_store)
    for method, path in object_routes(mine):
        if method == "GET":
            assert _get(path, token).status_code == 404, path


def _ago(**delta: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(**delta)


BAD = {
    "expired": lambda s: _forged(s, exp=_ago(minutes=1), iat=_ago(minutes=5)),
    "other_key": lambda s: _forged(s, key=b"k" * 32),
    "other_audience": lambda s: _forged(s, aud="aftersale-demo"),
    "other_issuer": lambda s: _forged(s, iss="bc"),
    "lives_too_long": lambda s: _forged(s, exp=datetime.now(tz=UTC) + timedelta(days=2)),
    "past_max_age": lambda s: _forged(s, auth=_ago(hours=13).timestamp()),
    "platform_mismatch": lambda s: _forged(s, plat="woocommerce"),
    "store_as_string": lambda s: _forged(s, store=str(s.pk)),
    "missing_store": lambda s: _forged(s, store=None),
    "none_alg": lambda s: jwt.encode(
        {"store": s.pk}, None, algorithm="none", headers={"kid": "aftersale-store"}
    ),
    "garbage_with_kid": lambda s: "eyJraWQiOiJhZnRlcnNhbGUtc3RvcmUifQ.e30.xx",
    "oversized": lambda s: _forged(s, sub="x" * 5000),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_session_token_gets_401_and_nothing_changes(bc_store, case):
    objects = store_objects(bc_store)
    token = BAD[case](bc_store)
    for method, path in routes(objects):
        client = Client()
        headers = {"Authorization": f"Bearer {token}"}
        response = (
            client.get(path, headers=headers)
            if method == "GET"
            else client.post(path, {}, headers=headers)
        )
        assert response.status_code == 401, (case, method, path, response.status_code)
        assert response[RETRY] == "1"
    assert AgentAction.objects.get(pk=objects.action.pk).status == ActionStatus.AWAITING_APPROVAL
    assert SettingsAuditEntry.objects.count() == 0


def test_a_shopify_store_cannot_get_or_use_a_store_session(bc_store):
    shopify = StoreFactory(platform=Platform.SHOPIFY)
    with pytest.raises(StoreSessionError):
        _start(shopify)
    forged = _forged(shopify, plat="shopify")

    assert _get("/app/", forged).status_code == 401


def test_a_shopify_session_token_is_not_a_store_session_and_still_works(bc_store):
    shopify = StoreFactory(platform=Platform.SHOPIFY, domain="fancy-socks.myshopify.com")
    token = token_for(shopify)

    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert store_from_session(request) is None
    assert _get("/app/", token).status_code == 200


def test_an_uninstalled_store_is_refused(bc_store):
    token = _start(bc_store)
    Store.objects.filter(pk=bc_store.pk).update(status=StoreStatus.UNINSTALLED)

    assert _get("/app/", token).status_code == 401


def test_ending_a_session_revokes_that_token_only(bc_store):
    first, second = _start(bc_store), _start(bc_store)
    end_store_session(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {first}"))

    assert _get("/app/", first).status_code == 401
    assert _get("/app/", second).status_code == 200


def test_ending_a_stores_sessions_revokes_all_started_before_not_after(bc_store, wc_store):
    old, other = _start(bc_store), _start(wc_store)
    end_store_sessions(bc_store)
    new = _start(bc_store)

    assert _get("/app/", old).status_code == 401
    assert _get("/app/", new).status_code == 200
    assert _get("/app/", other).status_code == 200


def test_store_from_session_reads_the_header_and_document_query_only(bc_store):
    token = _start(bc_store)
    factory = RequestFactory()

    assert store_from_session(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")) == bc_store
    assert store_from_session(factory.get("/", {"id_token": token})) == bc_store
    assert store_from_session(factory.post("/?id_token=" + token)) is None
    assert store_from_session(factory.get("/")) is None


def test_start_puts_the_token_on_the_response_and_the_page(bc_store):
    from django.http import HttpResponse

    request, response = RequestFactory().get("/"), HttpResponse()
    token = start_store_session(request, response, bc_store, user_id="9")

    assert response[REFRESH_HEADER] == token
    assert request.page_token == token  # type: ignore[attr-defined]
    session, store = verify_store_session(token)
    assert (session.user_id, store) == ("9", bc_store)


def test_a_token_late_in_its_life_is_renewed_until_the_session_cap(bc_store):
    start = datetime.now(tz=UTC)
    with time_machine.travel(start, tick=False):
        token = _start(bc_store)
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        assert REFRESH_HEADER not in _get("/app/", token)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        fresh = _get("/app/", token)[REFRESH_HEADER]
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert _get("/app/", token).status_code == 401
        assert _get("/app/", fresh).status_code == 200
    # Renewal never outlives the session's cap from the moment the merchant was verified.
    chain = fresh
    for step in range(1, 60):
        with time_machine.travel(start + timedelta(minutes=10 + step * 10), tick=False):
            response = _get("/app/", chain)
            if response.status_code != 200:
                break
            chain = response.get(REFRESH_HEADER, chain)
    assert step * 10 + 10 <= 12 * 60 + 15


def test_a_reload_without_a_token_tells_a_bigcommerce_merchant_where_to_go(bc_store):
    response = Client().get("/app/settings/", {"via": "bigcommerce"})

    assert response.status_code == 401
    assert b"control panel" in response.content


def test_a_fetch_without_a_valid_token_gets_json(bc_store):
    response = _get("/app/", "eyJraWQiOiJhZnRlcnNhbGUtc3RvcmUifQ.e30.xx")

    assert json.loads(response.content) == {"error": "invalid_session_token"}
