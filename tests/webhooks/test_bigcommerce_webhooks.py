"""POST /webhooks/bigcommerce: the producer's own secret header (and a Standard Webhooks
signature when sent) or nothing is stored; duplicates stored once; the order re-read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
import respx
from django.test import Client
from django.utils import timezone

from apps.bigcommerce_app.install import webhook_secret
from apps.integrations.commerce.bigcommerce.storefront import SECRET_HEADER
from apps.orders.models import Order
from apps.stores.models import Store, StoreStatus
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.build import demo_store
from tests.integrations.bigcommerce.contract_world import bigcommerce_store

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "bc-client-secret-for-webhooks-0001"


@pytest.fixture(autouse=True)
def _app(settings) -> None:
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET


@pytest.fixture
def store() -> Store:
    return bigcommerce_store("hooks1", "bc_tok")


@pytest.fixture
def standin() -> Iterator[BigCommerceStandIn]:
    found = BigCommerceStandIn("hooks1", token="bc_tok")
    demo_store(found, timezone.now())
    with respx.mock(assert_all_called=False) as router:
        found.mount(router)
        yield found


def _body(producer: str = "stores/hooks1", order_id: int = 1001, digest: str = "a1b2") -> bytes:
    return json.dumps(
        {
            "scope": "store/order/statusUpdated",
            "store_id": "1025646",
            "data": {"type": "order", "id": order_id},
            "hash": digest,
            "created_at": int(time.time()),
            "producer": producer,
        }
    ).encode()


def _post(body: bytes, **headers: str):
    return Client().post(
        "/webhooks/bigcommerce", body, content_type="application/json", headers=headers
    )


def _standard(body: bytes, *, secret: str = CLIENT_SECRET, age: int = 0) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    signed = b"msg_1." + stamp.encode() + b"." + body
    signature = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature.decode()}",
    }


def test_a_delivery_with_the_stores_secret_is_stored_and_refreshes_the_order(store, standin):
    response = _post(_body(), **{SECRET_HEADER: webhook_secret(store)})

    assert response.status_code == 200
    [event] = WebhookEvent.objects.all()
    assert (event.store, event.topic, event.event_id) == (
        store,
        "bigcommerce/store/order/statusUpdated",
        "a1b2",
    )
    webhook_event_process(event.pk)
    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED
    assert Order.objects.get(store=store, platform_order_id="1001").total_price == 89


def test_a_duplicate_fire_is_stored_once(store):
    headers = {SECRET_HEADER: webhook_secret(store)}
    _post(_body(), **headers)

    again = _post(_body(), **headers)

    assert again.status_code == 200
    assert json.loads(again.content) == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1


def test_another_stores_secret_is_refused(store):
    webhook_secret(store)
    other = bigcommerce_store("hooks2", "bc_tok2")

    response = _post(_body(), **{SECRET_HEADER: webhook_secret(other)})

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("header", [None, "", "wrong-secret"])
def test_a_missing_or_wrong_secret_is_refused(store, header):
    webhook_secret(store)
    headers = {SECRET_HEADER: header} if header is not None else {}

    assert _post(_body(), **headers).status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_valid_standard_webhooks_signature_is_accepted(store):
    body = _body()

    response = _post(body, **{SECRET_HEADER: webhook_secret(store)}, **_standard(body))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "signing", [{"secret": "another-apps-secret-000000000"}, {"age": 600}], ids=["key", "old"]
)
def test_a_bad_or_old_standard_signature_is_refused_even_with_the_secret(store, signing):
    body = _body()

    response = _post(body, **{SECRET_HEADER: webhook_secret(store)}, **_standard(body, **signing))

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_signature_over_another_body_is_refused(store):
    signed_for = _body(order_id=1002)

    response = _post(_body(), **{SECRET_HEADER: webhook_secret(store)}, **_standard(signed_for))

    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"scope": "x"}', _body(producer="users/5"), b'{"a":' * 2000],
)
def test_a_malformed_delivery_is_refused(store, body):
    webhook_secret(store)

    response = _post(body, **{SECRET_HEADER: webhook_secret(store)})

    assert response.status_code in (400, 413)
    assert not WebhookEvent.objects.exists()


def test_an_unknown_store_has_no_endpoint(db):
    assert _post(_body(producer="stores/nobody"), **{SECRET_HEADER: "x"}).status_code == 404


def test_an_uninstall_event_uninstalls_the_store(store):
    body = json.loads(_body())
    body |= {"scope": "store/app/uninstalled", "data": {"type": "store", "id": "1"}}
    _post(json.dumps(body).encode(), **{SECRET_HEADER: webhook_secret(store)})

    webhook_event_process(WebhookEvent.objects.get().pk)

    store.refresh_from_db()
    assert store.status == StoreStatus.UNINSTALLED


def test_a_store_information_event_reads_the_storefront_hosts_again(store, standin):
    """The merchant moved the storefront to their own domain: the widget's CORS follows."""
    from apps.chat.api.cors import store_origins

    standin.state.custom_domain = "shop.northwind.example"
    body = json.loads(_body(digest="info1"))
    body |= {"scope": "store/information/updated", "data": {"type": "store", "id": "1"}}
    _post(json.dumps(body).encode(), **{SECRET_HEADER: webhook_secret(store)})

    webhook_event_process(WebhookEvent.objects.get().pk)

    store.refresh_from_db()
    assert store.storefront_hosts == ["shop.northwind.example"]
    assert "https://shop.northwind.example" in store_origins(store)
    assert "https://www.shop.northwind.example" in store_origins(store)
