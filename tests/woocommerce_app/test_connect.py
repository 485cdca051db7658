"""Connecting a WooCommerce store: the authorize redirect, the key callback bound to our
state, and what the connect task sets up on the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import respx
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.conversations.models import OutboundMessage
from apps.integrations.commerce.woocommerce.credentials import key_pair_of
from apps.stores.models import IntegrationCredential, Platform, Store
from apps.woocommerce_app import connect as connect_module
from apps.woocommerce_app.models import ConnectState, WooConnection
from apps.woocommerce_app.tasks import finish_connect
from standins.woocommerce import WooStandIn

pytestmark = pytest.mark.django_db
DOMAIN = "northwind.example"
KEY = "ck_" + "a" * 40
SECRET = "cs_" + "b" * 40


@pytest.fixture
def finishing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The connect task is enqueued, not run: the ids it was given."""
    queued: list[int] = []
    monkeypatch.setattr(finish_connect, "delay", queued.append)
    return queued


@pytest.fixture
def shop() -> Iterator[WooStandIn]:
    stand_in = WooStandIn(DOMAIN, consumer_key=KEY, consumer_secret=SECRET)
    with respx.mock(assert_all_called=False) as router:
        stand_in.mount(router)
        yield stand_in


def _start(client: Client, url: str = f"https://{DOMAIN}", email: str = f"owner@{DOMAIN}") -> str:
    response = client.post(reverse("woocommerce_app:connect"), {"store_url": url, "email": email})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", DOMAIN, "/wc-auth/v1/authorize")
    query = parse_qs(target.query)
    assert query["scope"] == ["read_write"]
    assert query["callback_url"][0].endswith("/woocommerce/callback")
    return query["user_id"][0]


def _callback(client: Client, user_id: str, **changes: object) -> int:
    body = {
        "key_id": 7,
        "user_id": user_id,
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "key_permissions": "read_write",
        **changes,
    }
    response = client.post(
        reverse("woocommerce_app:callback"), json.dumps(body), content_type="application/json"
    )
    return response.status_code


def test_the_state_is_opaque_and_url_safe(client: Client) -> None:
    state = _start(client)

    assert DOMAIN not in state
    assert all(ch.isalnum() or ch in "-_." for ch in state)
    assert ConnectState.objects.get().nonce_hash not in state


def test_the_key_callback_stores_the_store_with_its_keys_encrypted(
    client: Client, django_capture_on_commit_callbacks, finishing: list[int]
) -> None:
    state = _start(client)

    with django_capture_on_commit_callbacks(execute=True):
        status = _callback(client, state)

    assert status == 200
    store = Store.objects.get(platform=Platform.WOOCOMMERCE, domain=DOMAIN)
    assert key_pair_of(store).consumer_key == KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM stores_store WHERE id = %s", [store.pk])
        [raw] = cursor.fetchone()
    assert KEY not in raw
    assert SECRET not in raw
    secrets = IntegrationCredential.objects.get(store=store, provider="woocommerce")
    assert secrets.revealed_config()["webhook_secret"]
    assert finishing == [ConnectState.objects.get().pk]


def test_a_replayed_callback_is_refused_and_changes_nothing(
    client: Client, finishing: list[int]
) -> None:
    state = _start(client)
    assert _callback(client, state) == 200

    status = _callback(client, state, consumer_key="ck_" + "c" * 40)

    assert status == 400
    assert key_pair_of(Store.objects.get(domain=DOMAIN)).consumer_key == KEY


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # signature altered
        lambda s: "A" * 32 + "." + s.split(".")[1],  # a nonce we never issued
        lambda s: "",
        lambda s: s + "&x=1",
    ],
    ids=["bad-signature", "unknown-nonce", "empty", "garbage"],
)
def test_a_state_we_did_not_issue_is_refused(client: Client, forge, finishing: list[int]) -> None:
    state = _start(client)

    assert _callback(client, forge(state)) == 400

    assert not Store.objects.filter(domain=DOMAIN).exists()
    assert finishing == []


def test_an_expired_state_is_refused(client: Client, finishing: list[int]) -> None:
    state = _start(client)
    ConnectState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _callback(client, state) == 400
    assert not Store.objects.filter(domain=DOMAIN).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"key_permissions": "read"},
        {"consumer_key": "not-a-key"},
        {"consumer_secret": "cs_short"},
    ],
)
def test_keys_we_cannot_use_are_refused(client: Client, changes, finishing: list[int]) -> None:
    state = _start(client)

    assert _callback(client, state, **changes) == 400
    assert not Store.objects.filter(domain=DOMAIN).exists()


def test_an_oversized_or_malformed_callback_is_refused(client: Client) -> None:
    url = reverse("woocommerce_app:callback")

    assert client.post(url, "x" * 9000, content_type="application/json").status_code == 413
    assert client.post(url, "{nope", content_type="application/json").status_code == 400
    assert client.post(url, "[]", content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["localhost", "http://127.0.0.1", "https://shop.example:8443", "https://u:p@shop.example", "x"],
)
def test_the_sign_up_page_refuses_addresses_that_are_not_public_stores(
    client: Client, url: str
) -> None:
    response = client.post(
        reverse("woocommerce_app:connect"), {"store_url": url, "email": "a@b.example"}
    )

    assert response.status_code == 400
    assert not ConnectState.objects.exists()


def test_connect_registers_signed_webhooks_checks_the_owner_and_sends_a_sign_in_link(
    client: Client, shop: WooStandIn, finishing: list[int]
) -> None:
    state = _start(client)
    assert _callback(client, state) == 200

    finish_connect.apply((ConnectState.objects.get().pk,))

    store = Store.objects.get(domain=DOMAIN)
    secret = IntegrationCredential.objects.get(store=store).revealed_config()["webhook_secret"]
    hooks = sorted(shop.webhooks.values(), key=lambda h: h["topic"])
    assert [h["topic"] for h in hooks] == ["order.created", "order.deleted", "order.updated"]
    assert {h["secret"] for h in hooks} == {secret}
    assert all(h["delivery_url"].endswith(f"/webhooks/woocommerce/{store.pk}") for h in hooks)
    connection_row = WooConnection.objects.get(store=store)
    assert connection_row.owner_emails == [f"owner@{DOMAIN}"]
    [mail] = OutboundMessage.objects.filter(store=store)
    assert mail.recipient == f"owner@{DOMAIN}"
    assert "/app/sign-in/woocommerce/" in mail.body


def test_an_email_the_store_does_not_name_gets_no_sign_in_link(
    client: Client, shop: WooStandIn, finishing: list[int]
) -> None:
    state = _start(client, email="someone@elsewhere.example")
    assert _callback(client, state) == 200

    finish_connect.apply((ConnectState.objects.get().pk,))

    store = Store.objects.get(domain=DOMAIN)
    assert WooConnection.objects.get(store=store).owner_emails == []
    assert not OutboundMessage.objects.filter(store=store).exists()


def test_few_open_states_are_kept_per_store(client: Client) -> None:
    for _ in range(connect_module._STATES_PER_DOMAIN + 3):
        _start(client)

    assert ConnectState.objects.filter(domain=DOMAIN).count() == connect_module._STATES_PER_DOMAIN


@pytest.fixture
def public_only(settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Production's rule (no local hosts) with DNS answers the test sets per name."""
    settings.WOOCOMMERCE_ALLOW_LOCAL_HOSTS = False
    answers: dict[str, list[str]] = {}
    monkeypatch.setattr(
        "apps.core.netguard.system_resolver", lambda host, port: answers.get(host, [])
    )
    return answers


@pytest.mark.parametrize("resolved", [["10.0.0.5"], ["127.0.0.1"], ["169.254.169.254"], []])
def test_a_store_name_that_resolves_to_a_private_address_is_refused(
    client: Client, public_only: dict[str, list[str]], resolved: list[str]
) -> None:
    public_only["shop.example.com"] = resolved

    response = client.post(
        reverse("woocommerce_app:connect"),
        {"store_url": "https://shop.example.com", "email": "a@b.example"},
    )

    assert response.status_code == 400
    assert not ConnectState.objects.exists()


def test_a_store_name_that_resolves_to_public_addresses_connects(
    client: Client, public_only: dict[str, list[str]]
) -> None:
    public_only[DOMAIN] = ["93.184.216.34"]

    _start(client)

    assert ConnectState.objects.filter(domain=DOMAIN).exists()


def test_the_api_client_sends_nothing_to_a_store_that_now_resolves_privately(
    public_only: dict[str, list[str]], shop: WooStandIn
) -> None:
    """Connected while public, then the name moved inside our network: refused per
    request, before any key leaves."""
    from apps.integrations.commerce.woocommerce.client import StoreAddressRefused, WooClient
    from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
    from tests.factories import StoreFactory

    store = StoreFactory(
        platform=Platform.WOOCOMMERCE,
        domain=DOMAIN,
        access_token=key_pair_pack(consumer_key=KEY, consumer_secret=SECRET),
    )
    store.refresh_from_db()
    public_only[DOMAIN] = ["10.0.0.5"]
    client = WooClient(store, sleep=lambda s: None)

    with pytest.raises(StoreAddressRefused):
        client.get("orders")

    assert shop.requests == 0
