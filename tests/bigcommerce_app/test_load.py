"""/bigcommerce/load: a verified signed payload opens that store's dashboard in the control
panel, once; nothing else opens anything."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from apps.dashboard.store_session import verify_store_session
from apps.stores.models import Store, StoreStatus
from tests.bigcommerce_app.conftest import HASH, signed_payload
from tests.factories import StoreFactory
from tests.headers import frame_ancestors
from tests.integrations.bigcommerce.contract_world import bigcommerce_store

pytestmark = pytest.mark.django_db


def _load(token: str):
    return Client().get("/bigcommerce/load", {"signed_payload_jwt": token})


def test_a_valid_load_opens_that_stores_dashboard_in_its_control_panel(bc_store):
    response = _load(signed_payload())

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/app/"
    [token] = parse_qs(target.query)["id_token"]
    session, store = verify_store_session(token)
    assert (store, session.user_id) == (bc_store, "9671")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]

    page = Client().get(response["Location"])
    assert page.status_code == 200
    assert frame_ancestors(page) == (
        f"frame-ancestors https://store-{HASH}.mybigcommerce.com https://login.bigcommerce.com;"
    )


def test_a_replayed_load_opens_nothing(bc_store):
    token = signed_payload()
    assert _load(token).status_code == 302

    again = _load(token)

    assert again.status_code == 401
    assert "Location" not in again


def _expired() -> str:
    now = int(time.time())
    return signed_payload(iat=now - 90_000, nbf=now - 90_000, exp=now - 3600)


BAD = {
    "expired": _expired,
    "other_app_audience": lambda: signed_payload(aud="another-apps-client-id"),
    "other_app_secret": lambda: signed_payload(secret="someone-elses-secret-123456789"),
    "not_bc_issuer": lambda: signed_payload(iss="evil"),
    "no_store": lambda: signed_payload(sub="users/1"),
    "no_user": lambda: signed_payload(user={}),
    "lives_too_long": lambda: signed_payload(exp=int(time.time()) + 90 * 86400),
    "missing_jti": lambda: signed_payload(jti=None),
    "garbage": lambda: "not.a.jwt",
    "empty": lambda: "",
    "oversized": lambda: signed_payload(url="x" * 9000),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_signed_payload_opens_nothing(bc_store, case):
    response = _load(BAD[case]())

    assert response.status_code == 401
    assert "Location" not in response
    assert b"id_token" not in response.content


def test_a_payload_for_another_store_opens_only_that_store_or_nothing(bc_store):
    other = bigcommerce_store("zzz999", "tok2")

    opened = _load(signed_payload("zzz999"))
    [token] = parse_qs(urlsplit(opened["Location"]).query)["id_token"]
    assert verify_store_session(token)[1] == other

    nobody = _load(signed_payload("nosuchstore"))
    assert nobody.status_code == 403
    assert "Location" not in nobody


def test_an_uninstalled_store_is_not_opened(bc_store):
    Store.objects.filter(pk=bc_store.pk).update(status=StoreStatus.UNINSTALLED)

    assert _load(signed_payload()).status_code == 403


def test_a_shopify_store_with_a_look_alike_domain_is_never_opened(db):
    StoreFactory(domain=f"store-{HASH}.mybigcommerce.com")  # platform shopify

    assert _load(signed_payload()).status_code == 403


def test_remove_user_ends_the_stores_sessions(bc_store):
    opened = _load(signed_payload())
    [token] = parse_qs(urlsplit(opened["Location"]).query)["id_token"]

    removed = Client().get("/bigcommerce/remove_user", {"signed_payload_jwt": signed_payload()})

    assert removed.status_code == 204
    page = Client().get("/app/", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 401


def test_remove_user_needs_a_valid_payload(bc_store):
    response = Client().get(
        "/bigcommerce/remove_user", {"signed_payload_jwt": signed_payload(secret="x" * 30)}
    )

    assert response.status_code == 401


def test_uninstall_forgets_the_token_and_ends_sessions(bc_store):
    opened = _load(signed_payload())
    [token] = parse_qs(urlsplit(opened["Location"]).query)["id_token"]

    response = Client().get("/bigcommerce/uninstall", {"signed_payload_jwt": signed_payload()})

    assert response.status_code == 204
    bc_store.refresh_from_db()
    assert bc_store.status == StoreStatus.UNINSTALLED
    assert not bc_store.access_token
    assert Client().get("/app/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_uninstall_with_a_forged_payload_changes_nothing(bc_store):
    response = Client().get(
        "/bigcommerce/uninstall", {"signed_payload_jwt": signed_payload(aud="other-app")}
    )

    assert response.status_code == 401
    bc_store.refresh_from_db()
    assert bc_store.status == StoreStatus.INSTALLED
