"""/bigcommerce/auth: the code is exchanged before anything renders, the store installed with
its token encrypted, then set up in the background (profile, webhooks, the chat script)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from django.test import Client

from apps.bigcommerce_app.install import webhook_secret
from apps.bigcommerce_app.tasks import chat_script_tag, set_up_store
from apps.dashboard.store_session import verify_store_session
from apps.integrations.commerce.bigcommerce.storefront import SECRET_HEADER, WEBHOOK_SCOPES
from apps.orders.models import Order
from apps.stores.models import (
    IntegrationCredential,
    KnowledgeEntry,
    KnowledgeKind,
    Platform,
    Store,
    StoreStatus,
)
from tests.bigcommerce_app.conftest import CLIENT_ID, CLIENT_SECRET, HASH

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://login.bigcommerce.com/oauth2/token"
SCOPES = "store_v2_orders store_v2_products_read_only store_v2_content users_basic_information"


def _grant(context: str = f"stores/{HASH}", scope: str = SCOPES) -> dict[str, object]:
    return {
        "access_token": "bc_installed_token",
        "scope": scope,
        "user": {"id": 24654, "username": "merchant", "email": "merchant@example.com"},
        "owner": {"id": 24654, "username": "merchant", "email": "merchant@example.com"},
        "context": context,
        "account_uuid": "0a1b2c3d",
    }


def _auth(**query: str):
    params = {"code": "qr6h3thvbvag2ffq", "scope": SCOPES, "context": f"stores/{HASH}", **query}
    return Client().get("/bigcommerce/auth", params)


def test_install_exchanges_the_code_then_opens_the_dashboard(
    standin, eager_tasks, django_capture_on_commit_callbacks
):
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        token_route = router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=_grant()))
        with django_capture_on_commit_callbacks(execute=True):
            response = _auth()

    sent = json.loads(token_route.calls.last.request.content)
    assert sent == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": "qr6h3thvbvag2ffq",
        "context": f"stores/{HASH}",
        "scope": SCOPES,
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.aftersale.test/bigcommerce/auth",
    }
    store = Store.objects.get(platform=Platform.BIGCOMMERCE)
    assert store.domain == f"store-{HASH}.mybigcommerce.com"
    assert store.access_token.reveal() == "bc_installed_token"
    raw = Store.objects.filter(pk=store.pk).values_list("access_token", flat=True)
    assert "bc_installed_token" not in str(list(raw))
    assert response.status_code == 302
    [token] = parse_qs(urlsplit(response["Location"]).query)["id_token"]
    assert verify_store_session(token)[1] == store
    # The setup task ran on commit: the profile, every webhook with the secret, the script.
    store.refresh_from_db()
    assert (store.name, store.timezone) == ("Northwind Outfitters", "America/New_York")
    hooks = list(standin.state.hooks.values())
    assert sorted(h["scope"] for h in hooks) == sorted(WEBHOOK_SCOPES)
    assert all(h["destination"] == "https://app.aftersale.test/webhooks/bigcommerce" for h in hooks)
    assert all(h["headers"] == {SECRET_HEADER: webhook_secret(store)} for h in hooks)
    [script] = standin.state.scripts.values()
    assert script["auto_uninstall"] is True
    assert f'data-widget-key="{store.widget_key}"' in script["html"]
    assert 'data-api-base="https://app.aftersale.test/api/chat"' in script["html"]
    # The store's policy pages became its knowledge, as plain text.
    policies = KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.POLICY)
    assert sorted(policies.values_list("policy_type", flat=True)) == [
        "privacy",
        "refund",
        "shipping",
        "terms",
    ]
    assert "<p>" not in policies.get(policy_type="refund").body
    # And the recent orders were read into the snapshot (the backfill it enqueued).
    assert Order.objects.filter(store=store).count() >= 8


def test_setting_up_twice_adds_nothing(standin, bc_store):
    set_up_store(bc_store.pk)
    set_up_store(bc_store.pk)

    assert len(standin.state.hooks) == len(WEBHOOK_SCOPES)
    assert len(standin.state.scripts) == 1


def test_the_webhook_secret_is_per_store_and_encrypted(bc_store):
    secret = webhook_secret(bc_store)

    assert secret == webhook_secret(bc_store)
    assert len(secret) >= 40
    raw = IntegrationCredential.objects.filter(store=bc_store).values_list("config", flat=True)
    assert secret not in str(list(raw))


def test_the_script_tag_escapes_what_it_embeds(bc_store):
    bc_store.widget_key = 'wk_"><script>x</script>'

    tag = chat_script_tag(bc_store)

    assert "<script>x" not in tag
    assert "&quot;&gt;&lt;script&gt;" in tag


@pytest.mark.parametrize(
    ("query", "grant", "status"),
    [
        ({"context": "users/1"}, None, 400),
        ({"code": ""}, None, 400),
        ({"code": "x" * 600}, None, 400),
        ({}, httpx.Response(400, json={"error": "invalid_grant"}), 400),
        ({}, httpx.Response(200, json=_grant(context="stores/other")), 400),
        ({}, httpx.Response(200, json=_grant(scope="store_v2_orders")), 400),
        ({}, httpx.ConnectError("down"), 400),
    ],
)
def test_a_bad_install_installs_nothing(query, grant, status, db):
    with respx.mock(assert_all_called=False) as router:
        route = router.post(TOKEN_URL)
        if isinstance(grant, Exception):
            route.mock(side_effect=grant)
        elif grant is not None:
            route.mock(return_value=grant)
        response = _auth(**query)

    assert response.status_code == status
    assert "Location" not in response
    assert not Store.objects.filter(platform=Platform.BIGCOMMERCE).exists()


def test_a_reinstall_revives_the_store(standin, bc_store, django_capture_on_commit_callbacks):
    Store.objects.filter(pk=bc_store.pk).update(status=StoreStatus.UNINSTALLED, access_token=None)
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=_grant()))
        with django_capture_on_commit_callbacks(execute=True):
            assert _auth().status_code == 302

    bc_store.refresh_from_db()
    assert bc_store.status == StoreStatus.INSTALLED
    assert Store.objects.filter(platform=Platform.BIGCOMMERCE).count() == 1


def test_set_up_reads_the_storefronts_hosts_for_the_widget(standin, bc_store):
    """A custom domain (GET /v2/store) and a headless site (GET /v3/sites): the widget may
    call us from both; the checkout domain and non-host values are not kept."""
    from apps.chat.api.cors import store_origins

    standin.state.custom_domain = "outfitters.example.com"
    standin.state.sites = [
        {
            "id": 3,
            "url": "https://next.outfitters.example.com",
            "channel_id": 2,
            "urls": [
                {"url": "https://next.outfitters.example.com", "type": "primary"},
                {"url": f"https://store-{HASH}-2.mybigcommerce.com", "type": "canonical"},
                {"url": "https://checkout.outfitters.example.com", "type": "checkout"},
                {"url": "javascript:alert(1)", "type": "primary"},
            ],
        }
    ]

    set_up_store(bc_store.pk)

    bc_store.refresh_from_db()
    assert bc_store.storefront_hosts == [
        "outfitters.example.com",
        "next.outfitters.example.com",
        f"store-{HASH}-2.mybigcommerce.com",
    ]
    origins = store_origins(bc_store)
    assert "https://next.outfitters.example.com" in origins
    assert "https://checkout.outfitters.example.com" not in origins
    assert "https://evil.example.com" not in origins
