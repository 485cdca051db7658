"""The same chat API by widget key (/api/chat/): the demo store and non-Shopify storefronts."""

from __future__ import annotations

import pytest

from apps.conversations.models import Conversation, Message, MessageRole
from apps.stores.models import Platform, StoreStatus
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    widget_messages_url,
    widget_start,
    widget_url,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return StoreFactory(platform=Platform.WOOCOMMERCE, domain="outfitters.example.com")


@pytest.fixture
def other_shop():
    return StoreFactory(platform=Platform.DEMO, domain="other.example.net")


def test_a_full_exchange_by_widget_key(client, shop):
    conversation_id, token = widget_start(client, shop)

    sent = post_json(client, widget_messages_url(shop, conversation_id, token), {"text": "hi"})
    polled = client.get(widget_messages_url(shop, conversation_id, token))

    assert sent.status_code == 201
    assert [m["text"] for m in polled.json()["messages"]] == ["hi"]
    conversation = Conversation.objects.get()
    assert (conversation.store, conversation.customer_verified) == (shop, False)


def test_the_config_needs_no_more_than_the_public_key(client, shop):
    response = client.get(widget_url("config", shop.widget_key))

    assert response.status_code == 200
    assert response.json()["agent_name"] == "Ava"


def test_an_unknown_or_missing_widget_key_is_refused(client, shop):
    unknown = post_json(client, widget_url("conversations", "wk_not-a-real-key"), {})
    missing = client.post("/api/chat/conversations", data="{}", content_type="application/json")
    absurd = client.get(widget_url("config", "k" * 500))

    assert_problem(unknown, 401, "invalid_widget_key")
    assert_problem(missing, 401, "widget_key_required")
    assert_problem(absurd, 401, "invalid_widget_key")
    assert Conversation.objects.count() == 0


def test_an_uninstalled_stores_key_is_refused(client, shop):
    shop.status = StoreStatus.UNINSTALLED
    shop.save()

    response = post_json(client, widget_url("conversations", shop.widget_key), {})

    assert_problem(response, 401, "invalid_widget_key")
    assert Conversation.objects.count() == 0


def test_a_shopify_stores_key_must_go_through_the_app_proxy(client, store):
    response = post_json(client, widget_url("conversations", store.widget_key), {})

    assert_problem(response, 403, "use_app_proxy")
    assert Conversation.objects.count() == 0


def test_another_stores_widget_key_opens_nothing(client, shop, other_shop):
    conversation_id, token = widget_start(client, shop)
    Message.objects.create(
        store=shop, conversation_id=conversation_id, role=MessageRole.ASSISTANT, text="secret"
    )

    url = widget_messages_url(other_shop, conversation_id, token)
    read = client.get(url)
    write = post_json(client, url, {"text": "hello"})

    assert_problem(read, 404, "conversation_not_found")
    assert_problem(write, 404, "conversation_not_found")
    assert "secret" not in read.content.decode()
    assert Message.objects.filter(text="hello").count() == 0


def test_a_repeated_key_or_token_is_refused(client, shop):
    conversation_id, token = widget_start(client, shop)
    url = widget_messages_url(shop, conversation_id, token)

    two_keys = client.get(url + "&key=wk_other")
    two_tokens = client.get(url + "&token=v1.other")

    assert_problem(two_keys, 400, "repeated_parameter")
    assert_problem(two_tokens, 400, "repeated_parameter")


class TestCors:
    """Cross-origin calls only from the store's own site; same-origin needs no header."""

    def test_the_stores_own_origin_may_call(self, client, shop):
        origin = "https://outfitters.example.com"

        response = post_json(
            client, widget_url("conversations", shop.widget_key), {}, HTTP_ORIGIN=origin
        )

        assert response.status_code == 201
        assert response["Access-Control-Allow-Origin"] == origin
        assert response["Access-Control-Expose-Headers"] == "Retry-After"
        assert response["Vary"] == "Origin"
        assert "Access-Control-Allow-Credentials" not in response

    def test_the_www_twin_may_call_too(self, client, shop):
        origin = "https://www.outfitters.example.com"

        response = client.get(widget_url("config", shop.widget_key), HTTP_ORIGIN=origin)

        assert response["Access-Control-Allow-Origin"] == origin

    def test_a_preflight_from_the_store_is_answered(self, client, shop):
        response = client.options(
            widget_url("conversations", shop.widget_key),
            HTTP_ORIGIN="https://outfitters.example.com",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
        )

        assert response.status_code == 204
        assert response["Access-Control-Allow-Origin"] == "https://outfitters.example.com"
        assert response["Access-Control-Allow-Methods"] == "GET, POST"
        assert response["Access-Control-Allow-Headers"] == "Content-Type"

    @pytest.mark.parametrize(
        "origin",
        [
            "https://evil.example",
            "http://outfitters.example.com",
            "https://outfitters.example.com.evil.io",
        ],
    )
    def test_any_other_site_is_refused(self, client, shop, origin):
        post = post_json(
            client, widget_url("conversations", shop.widget_key), {}, HTTP_ORIGIN=origin
        )
        preflight = client.options(widget_url("conversations", shop.widget_key), HTTP_ORIGIN=origin)

        assert_problem(post, 403, "origin_not_allowed")
        assert_problem(preflight, 403, "origin_not_allowed")
        assert "Access-Control-Allow-Origin" not in post
        assert "Access-Control-Allow-Origin" not in preflight
        assert Conversation.objects.count() == 0

    def test_same_origin_calls_get_no_cors_headers(self, client, shop):
        response = client.get(
            widget_url("config", shop.widget_key), HTTP_ORIGIN="http://testserver"
        )

        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response

    def test_errors_after_authentication_are_readable_by_the_store(self, client, shop):
        response = client.get(
            widget_messages_url(shop, 123, "v1.bad"), HTTP_ORIGIN="https://outfitters.example.com"
        )

        assert_problem(response, 404, "conversation_not_found")
        assert response["Access-Control-Allow-Origin"] == "https://outfitters.example.com"

    def test_the_proxy_path_never_sends_cors_headers(self, client, store):
        from tests.chat.chat_api import proxy_params, proxy_url

        response = client.get(
            proxy_url("config", proxy_params(store)), HTTP_ORIGIN="https://evil.example"
        )

        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response
