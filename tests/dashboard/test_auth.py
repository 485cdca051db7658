"""Every dashboard page and action needs a verified session token of an installed store,
and sees only that store's data."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test import Client

from apps.conversations.models import ActionStatus, AgentAction, Conversation, ConversationStatus
from apps.stores.models import KnowledgeEntry, SettingsAuditEntry, StoreSettings, StoreStatus
from apps.stores.services import store_settings, store_uninstall
from tests.dashboard.conftest import MerchantClient, token_for
from tests.dashboard.routes import object_routes, routes, store_objects
from tests.headers import frame_ancestors
from tests.shopify_app.conftest import make_session_token, oauth_error, token_url, unsigned_token

pytestmark = pytest.mark.django_db

RETRY = "X-Shopify-Retry-Invalid-Session-Request"


def _send(method: str, path: str, token: str | None, *, bearer: bool = True):
    client = Client()
    headers = {"Authorization": f"Bearer {token}"} if token is not None and bearer else {}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, {}, headers=headers)


def _state(shop) -> tuple:
    """Everything an action could change, to show a refused request changed nothing."""
    return (
        store_settings(shop).version,
        SettingsAuditEntry.objects.count(),
        list(KnowledgeEntry.objects.values_list("id", "title", "body").order_by("id")),
        list(Conversation.objects.values_list("id", "status").order_by("id")),
        list(AgentAction.objects.values_list("id", "status").order_by("id")),
    )


def _with_header(shop, header_json: str) -> str:
    """A real token of the shop with its header replaced (JSON the parser must survive)."""
    _, payload, signature = token_for(shop).split(".")
    header = base64.urlsafe_b64encode(header_json.encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


BAD_TOKENS = {
    "expired": lambda shop: token_for(shop, exp=int(time.time()) - 60, nbf=int(time.time()) - 120),
    "wrong_secret": lambda shop: make_session_token(shop.domain, secret="shpss_" + "f" * 32),
    "wrong_aud": lambda shop: token_for(shop, aud="another-apps-client-id"),
    "not_yet_valid": lambda shop: token_for(shop, nbf=int(time.time()) + 600),
    "unsigned": lambda shop: unsigned_token(shop.domain),
    "garbage": lambda shop: "not-a-jwt",
    "deeply_nested_header": lambda shop: _with_header(
        shop, '{"alg": "HS256", "typ": "JWT", "x": ' + "[" * 1_400 + "]" * 1_400 + "}"
    ),
    "lone_surrogate_header": lambda shop: _with_header(
        shop, '{"alg": "HS256", "typ": "JWT", "kid": "\\ud800"}'
    ),
    "empty": lambda shop: "",
}


@pytest.mark.parametrize("reason", list(BAD_TOKENS))
def test_a_bad_token_gets_401_and_no_data_on_every_route(shop, reason):
    objects = store_objects(shop)
    before = _state(shop)
    for method, path in routes(objects):
        response = _send(method, path, BAD_TOKENS[reason](shop))

        assert response.status_code == 401, (method, path, response.status_code)
        assert response[RETRY] == "1"
        assert json.loads(response.content) == {"error": "invalid_session_token"}
    assert _state(shop) == before


def test_no_token_gets_401_and_no_data_on_every_route(shop):
    objects = store_objects(shop)
    before = _state(shop)
    for method, path in routes(objects):
        response = _send(method, path, None)

        assert response.status_code == 401, (method, path)
        assert b"secret-customer" not in response.content
        assert b"Secret FAQ" not in response.content
    assert _state(shop) == before


def test_a_document_load_without_a_token_is_sent_to_the_bounce_page(shop):
    response = Client().get("/app/settings/", {"shop": shop.domain, "host": "YWRtaW4"})

    assert response.status_code == 302
    assert response["Location"].startswith("/shopify/session-token?")
    assert "shopify-reload=%2Fapp%2Fsettings%2F" in response["Location"]


def test_a_token_in_the_query_string_is_not_accepted_for_writes(shop):
    objects = store_objects(shop)
    token = token_for(shop)

    response = Client().post(f"/app/actions/{objects.action.pk}/approve/?id_token={token}")

    assert response.status_code == 401
    assert AgentAction.objects.get(pk=objects.action.pk).status == ActionStatus.AWAITING_APPROVAL


def test_the_id_token_query_parameter_opens_a_page(shop):
    response = Client().get("/app/settings/", {"id_token": token_for(shop), "shop": shop.domain})

    assert response.status_code == 200
    assert b"Fancy Socks" in response.content


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_shops_objects_are_404_and_unchanged(shop, other_shop, rival, method):
    mine = store_objects(shop)
    store_objects(other_shop)
    before = _state(shop)
    for route_method, path in object_routes(mine):
        if route_method != method:
            continue
        response = rival.get(path) if method == "GET" else rival.post(path, {"title": "x"})

        assert response.status_code == 404, (method, path, response.status_code)
        assert b"secret-customer" not in response.content
    assert _state(shop) == before


def test_lists_show_only_the_token_stores_rows(shop, other_shop, rival):
    store_objects(shop)
    store_objects(other_shop)
    Conversation.objects.filter(store=shop).update(customer_email="mine@example.com")

    inbox = rival.get("/app/conversations/").content.decode()
    knowledge = rival.get("/app/settings/knowledge/").content.decode()

    assert "secret-customer@example.com" in inbox
    assert "mine@example.com" not in inbox
    assert knowledge.count("Secret FAQ") == 1


def test_an_uninstalled_store_is_refused_when_shopify_refuses_the_exchange(
    shop, settings, respx_mock
):
    objects = store_objects(shop)
    store_uninstall(shop)
    respx_mock.post(token_url(shop.domain)).mock(
        return_value=oauth_error("invalid_client", "Client authentication failed", 401)
    )
    before = _state(shop)
    for method, path in routes(objects):
        response = (
            MerchantClient(shop).get(path) if method == "GET" else MerchantClient(shop).post(path)
        )

        assert response.status_code == 403, (method, path)
        assert b"secret-customer" not in response.content
    assert _state(shop) == before
    shop.refresh_from_db()
    assert shop.status == StoreStatus.UNINSTALLED


def test_pages_are_never_cached_and_are_framed_only_by_the_shops_admin(merchant, shop):
    response = merchant.get("/app/")

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert frame_ancestors(response) == (
        f"frame-ancestors https://{shop.domain} https://admin.shopify.com;"
    )
    assert "X-Frame-Options" not in response


def test_the_page_loads_app_bridge_and_htmx_from_the_right_places(merchant, settings):
    html = merchant.get("/app/").content.decode()

    assert '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"' in html
    assert f'data-api-key="{settings.SHOPIFY_API_KEY}"' in html
    assert html.index("app-bridge.js") < html.index("htmx-2.min.js")
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html
    assert 'src="/static/dashboard/dashboard.js"' in html
    assert "unpkg.com" not in html
    assert "jsdelivr" not in html


def test_the_staff_user_of_the_token_is_recorded_as_the_actor(shop):
    client = MerchantClient(shop, sub="987654321")
    objects = store_objects(shop)
    client.post(f"/app/conversations/{objects.conversation.pk}/take-over/")
    client.post(
        "/app/settings/agent/",
        {"agent_name": "Max", "tone": "formal", "greeting": "Hello", "widget_color": "#000000"},
    )

    assert SettingsAuditEntry.objects.get(store=shop).actor == "987654321"
    conversation = Conversation.objects.get(pk=objects.conversation.pk)
    assert conversation.status == ConversationStatus.HUMAN_HANDLING
    assert StoreSettings.objects.get(store=shop).agent_name == "Max"
