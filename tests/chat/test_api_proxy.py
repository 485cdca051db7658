"""The chat API through the Shopify App Proxy: signatures, freshness, tenancy, tokens."""

from __future__ import annotations

import time

import pytest

from apps.chat.api.tokens import conversation_token
from apps.conversations.models import Conversation, Message, MessageRole
from apps.shopify_app.security import sign_proxy_query
from apps.stores.models import StoreStatus
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    proxy_messages_url,
    proxy_params,
    proxy_start,
    proxy_url,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_it_starts_a_guest_conversation_for_the_verified_shop(client, store):
    response = post_json(client, proxy_url("conversations", proxy_params(store)), {})

    assert response.status_code == 201
    body = response.json()
    conversation = Conversation.objects.get()
    assert body["conversation"] == {"id": conversation.pk, "status": "open", "with_team": False}
    assert body["token"] == conversation_token(store_id=store.pk, conversation_id=conversation.pk)
    assert conversation.store == store
    assert conversation.channel == "web"
    assert conversation.customer_platform_id == ""
    assert conversation.customer_verified is False


def test_a_logged_in_customer_is_recorded_as_verified(client, store):
    conversation_id, token = proxy_start(client, store, customer_id="7003")

    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.customer_platform_id == "7003"
    assert conversation.customer_verified is True
    assert token == conversation_token(
        store_id=store.pk, conversation_id=conversation_id, customer_id="7003"
    )


def test_it_rejects_a_forged_signature_and_stores_nothing(client, store):
    params = proxy_params(store)
    params["signature"] = "0" * 64

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 401, "invalid_signature")
    assert Conversation.objects.count() == 0


def test_it_rejects_a_signature_made_with_another_secret(client, store):
    params = proxy_params(store)
    from apps.shopify_app.security import sign_proxy_query

    params["signature"] = sign_proxy_query(
        {k: v for k, v in params.items() if k != "signature"}, secret="not-our-secret"
    )
    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 401, "invalid_signature")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("offset", [-91, -3600, 91], ids=["stale", "an-hour-old", "future"])
def test_it_rejects_a_stale_timestamp_and_stores_nothing(client, store, offset):
    params = proxy_params(store, timestamp=int(time.time()) + offset)

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 401, "stale_request")
    assert Conversation.objects.count() == 0


def test_it_rejects_a_request_without_timestamp(client, store):
    params = proxy_params(store)
    params.pop("timestamp")
    from apps.shopify_app.security import sign_proxy_query

    params["signature"] = sign_proxy_query({k: v for k, v in params.items() if k != "signature"})

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 401, "stale_request")
    assert Conversation.objects.count() == 0


def test_a_request_signed_for_one_shop_replayed_for_another_is_refused(client, store, other_store):
    params = proxy_params(store)
    params["shop"] = other_store.domain  # the signature still covers the first shop

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 401, "invalid_signature")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("repeated", ["shop", "signature", "timestamp"])
def test_repeated_guarded_parameters_are_refused(client, store, other_store, repeated):
    params = proxy_params(store)
    pairs = list(params.items())
    second = {"shop": other_store.domain, "signature": "f" * 64, "timestamp": "1"}[repeated]
    pairs.append((repeated, second))

    response = post_json(client, proxy_url("conversations", pairs), {})

    assert_problem(response, 401, "invalid_signature")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("repeated", "values"),
    [
        ("logged_in_customer_id", ["5", ""]),
        ("logged_in_customer_id", ["5", "6"]),
        ("path_prefix", ["/apps/aftersale", "/apps/other"]),
    ],
    ids=["customer-id-and-blank", "two-customer-ids", "path-prefix"],
)
def test_a_correctly_signed_repeated_identity_parameter_is_refused(client, store, repeated, values):
    # Shopify signs a repeated key as `key=v1,v2`; a valid signature over it must still not
    # let one of the values (which one would be trusted?) identify the shopper.
    params: dict[str, str | list[str]] = dict(proxy_params(store, customer_id="5"))
    params.pop("signature")
    params[repeated] = values
    params["signature"] = sign_proxy_query(params)
    pairs = [(k, v) for k, vs in params.items() for v in ([vs] if isinstance(vs, str) else vs)]

    response = post_json(client, proxy_url("conversations", pairs), {})

    assert_problem(response, 401, "invalid_signature")
    assert Conversation.objects.count() == 0


def test_a_shop_that_is_not_installed_gets_no_chat(client):
    gone = StoreFactory(status=StoreStatus.UNINSTALLED)

    response = post_json(client, proxy_url("conversations", proxy_params(gone)), {})

    assert_problem(response, 404, "store_not_found")
    assert Conversation.objects.count() == 0


def test_a_correctly_signed_unknown_shop_gets_no_chat(client, store):
    params = proxy_params(store, shop="nobody-here.myshopify.com")

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 404, "store_not_found")
    assert Conversation.objects.count() == 0


def test_a_non_numeric_customer_id_is_refused(client, store):
    params = proxy_params(store, customer_id="12; drop table")

    response = post_json(client, proxy_url("conversations", params), {})

    assert_problem(response, 400, "invalid_parameter")
    assert Conversation.objects.count() == 0


def test_the_customer_posts_a_message(client, store, django_capture_on_commit_callbacks):
    conversation_id, token = proxy_start(client, store)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_json(
            client, proxy_messages_url(store, conversation_id, token), {"text": "  Hello  "}
        )

    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json()["message"] == {
        "id": message.pk,
        "role": "customer",
        "text": "Hello",
        "created_at": message.created_at.isoformat(),
    }
    assert response.json()["agent_working"] is True
    assert (message.store, message.conversation_id) == (store, conversation_id)
    assert len(callbacks) == 1  # the agent task, enqueued only once the row is committed


def test_polling_returns_only_what_a_shopper_may_see(client, store):
    conversation_id, token = proxy_start(client, store)
    conversation = Conversation.objects.get(pk=conversation_id)
    rows = [
        Message.objects.create(
            store=store, conversation=conversation, role=role, text=text, metadata={"x": 1}
        )
        for role, text in [
            (MessageRole.CUSTOMER, "where is my order"),
            (MessageRole.SYSTEM, "internal: escalation rule 4 fired"),
            (MessageRole.ASSISTANT, "Could you share your order number?"),
            (MessageRole.HUMAN_AGENT, "Hi, Sam from the team here."),
        ]
    ]

    response = client.get(proxy_messages_url(store, conversation_id, token))

    assert response.status_code == 200
    body = response.json()
    assert [m["text"] for m in body["messages"]] == [
        "where is my order",
        "Could you share your order number?",
        "Hi, Sam from the team here.",
    ]
    base = {"id", "role", "text", "created_at"}
    assert [set(m) for m in body["messages"]] == [base, base, base | {"author"}]
    assert body["messages"][2]["author"] == ""  # only a display name leaves metadata, none here
    assert "internal" not in response.content.decode()
    assert body["more"] is False
    # The customer message has not been handled: the agent is still working on it.
    assert body["agent_working"] is True

    after = client.get(proxy_messages_url(store, conversation_id, token, after=str(rows[1].pk)))
    assert [m["id"] for m in after.json()["messages"]] == [rows[2].pk, rows[3].pk]


def test_the_typing_state_ends_when_the_message_is_handled(client, store):
    from django.utils import timezone

    conversation_id, token = proxy_start(client, store)
    conversation = Conversation.objects.get(pk=conversation_id)
    message = Message.objects.create(
        store=store, conversation=conversation, role=MessageRole.CUSTOMER, text="hi"
    )
    assert client.get(proxy_messages_url(store, conversation_id, token)).json()["agent_working"]

    Message.objects.filter(pk=message.pk).update(handled_at=timezone.now())

    body = client.get(proxy_messages_url(store, conversation_id, token)).json()
    assert body["agent_working"] is False


def test_html_in_messages_comes_back_as_plain_json_text(client, store):
    conversation_id, token = proxy_start(client, store)
    html = '<img src=x onerror="alert(1)"><script>alert(2)</script>'

    created = post_json(client, proxy_messages_url(store, conversation_id, token), {"text": html})
    polled = client.get(proxy_messages_url(store, conversation_id, token))

    assert created.json()["message"]["text"] == html
    assert polled["Content-Type"] == "application/json; charset=utf-8"
    assert polled.json()["messages"][0]["text"] == html
    assert "<script>" not in polled.content.decode()  # JSON escapes it (\u003c)


def test_another_stores_conversation_cannot_be_read_or_written(client, store, other_store):
    theirs_id, theirs_token = proxy_start(client, other_store)
    mine_id, mine_token = proxy_start(client, store)
    Message.objects.create(
        store=other_store,
        conversation_id=theirs_id,
        role=MessageRole.ASSISTANT,
        text="Your order #1001 is in transit",
    )

    attempts = [
        # Their id and their token, through my shop's signed proxy.
        proxy_messages_url(store, theirs_id, theirs_token),
        # Their id with my (valid, but other conversation's) token.
        proxy_messages_url(store, theirs_id, mine_token),
    ]
    for url in attempts:
        read = client.get(url)
        write = post_json(client, url, {"text": "hello"})
        body = assert_problem(read, 404, "conversation_not_found")
        assert assert_problem(write, 404, "conversation_not_found") == body
        assert "1001" not in read.content.decode()
    missing = client.get(proxy_messages_url(store, 999_999, mine_token))
    # A foreign conversation looks exactly like one that does not exist.
    assert missing.json() == read.json()
    assert Message.objects.filter(text="hello").count() == 0


def test_a_tampered_token_opens_nothing(client, store):
    conversation_id, token = proxy_start(client, store)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    read = client.get(proxy_messages_url(store, conversation_id, tampered))
    write = post_json(client, proxy_messages_url(store, conversation_id, tampered), {"text": "x"})

    assert_problem(read, 404, "conversation_not_found")
    assert_problem(write, 404, "conversation_not_found")
    assert Message.objects.count() == 0


def test_a_conversation_id_alone_grants_nothing(client, store):
    conversation_id, _token = proxy_start(client, store)
    params = proxy_params(store)

    response = client.get(proxy_url(f"conversations/{conversation_id}/messages", params))

    assert_problem(response, 401, "token_required")


@pytest.mark.parametrize("now_signed_in", ["", "7004"], ids=["signed-out", "another-customer"])
def test_a_customers_conversation_closes_when_they_are_no_longer_signed_in(
    client, store, now_signed_in
):
    conversation_id, token = proxy_start(client, store, customer_id="7003")

    response = client.get(
        proxy_messages_url(store, conversation_id, token, customer_id=now_signed_in)
    )

    assert_problem(response, 404, "conversation_not_found")
    still_mine = client.get(proxy_messages_url(store, conversation_id, token, customer_id="7003"))
    assert still_mine.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 400, "empty_message"),
        ({"text": " \n\t "}, 400, "empty_message"),
        ({"text": "\x00\x01"}, 400, "empty_message"),
        ({"text": "x" * 2001}, 400, "message_too_long"),
        ({"text": 42}, 400, "text_required"),
        ({}, 400, "text_required"),
        (["where", "is"], 400, "invalid_json"),
    ],
    ids=["empty", "whitespace", "controls", "2001-chars", "number", "missing", "array"],
)
def test_bad_messages_are_refused_and_nothing_is_stored(client, store, body, status, code):
    conversation_id, token = proxy_start(client, store)

    response = post_json(client, proxy_messages_url(store, conversation_id, token), body)

    assert_problem(response, status, code)
    assert Message.objects.count() == 0


def test_a_message_of_exactly_2000_characters_is_accepted(client, store):
    conversation_id, token = proxy_start(client, store)

    response = post_json(
        client, proxy_messages_url(store, conversation_id, token), {"text": "é" * 2000}
    )

    assert response.status_code == 201
    assert Message.objects.get().text == "é" * 2000


def test_an_oversized_body_is_refused_before_it_is_read(client, store):
    conversation_id, token = proxy_start(client, store)
    url = proxy_messages_url(store, conversation_id, token)

    response = client.post(url, data="{" + " " * 40_000 + "}", content_type="application/json")

    assert_problem(response, 413, "request_too_large")
    assert Message.objects.count() == 0


def test_malformed_json_is_refused(client, store):
    conversation_id, token = proxy_start(client, store)
    url = proxy_messages_url(store, conversation_id, token)

    bad_json = client.post(url, data="{text:", content_type="application/json")
    bad_bytes = client.post(url, data=b'{"text": "\xff"}', content_type="application/json")
    form = client.post(url, data="text=hi", content_type="application/x-www-form-urlencoded")

    assert_problem(bad_json, 400, "invalid_json")
    assert_problem(bad_bytes, 400, "invalid_json")
    assert_problem(form, 415, "unsupported_media_type")
    assert Message.objects.count() == 0


@pytest.mark.parametrize("after", ["-1", "abc", "1" * 30, "²"])
def test_a_bad_after_parameter_is_a_clear_error(client, store, after):
    conversation_id, token = proxy_start(client, store)

    response = client.get(proxy_messages_url(store, conversation_id, token, after=after))

    assert_problem(response, 400, "invalid_parameter")


@pytest.mark.parametrize("raw_id", ["abc", "9" * 30, "²"])
def test_a_malformed_conversation_id_is_not_found(client, store, raw_id):
    _conversation_id, token = proxy_start(client, store)
    params = proxy_params(store, token=token)

    response = client.get(proxy_url(f"conversations/{raw_id}/messages", params))

    assert_problem(response, 404, "conversation_not_found")


def test_unknown_chat_addresses_and_methods_answer_in_json(client, store):
    params = proxy_params(store)

    unknown = client.get(proxy_url("nothing-here", params))
    wrong_method = client.get(proxy_url("conversations", params))
    delete = client.delete(proxy_url("config", params))

    assert_problem(unknown, 404, "not_found")
    assert_problem(wrong_method, 405, "method_not_allowed")
    assert wrong_method["Allow"] == "POST"
    assert_problem(delete, 405, "method_not_allowed")


def test_the_config_reflects_the_store_settings(client, store):
    from apps.stores.services import store_settings

    settings_row = store_settings(store)
    settings_row.agent_name = "Maya"
    settings_row.greeting = "Hello from Maya"
    settings_row.widget_color = "#aa3300"
    settings_row.save()

    response = client.get(proxy_url("config", proxy_params(store)))

    assert response.status_code == 200
    assert response.json() == {
        "store_name": store.name,
        "agent_name": "Maya",
        "greeting": "Hello from Maya",
        "color": "#aa3300",
        "max_message_length": 2000,
    }


def test_responses_carry_server_timing_and_only_the_config_is_cached(client, store):
    conversation_id, token = proxy_start(client, store)

    config = client.get(proxy_url("config", proxy_params(store)))
    poll = client.get(proxy_messages_url(store, conversation_id, token))

    assert config["Cache-Control"] == "private, max-age=300"
    assert poll["Cache-Control"] == "no-store"
    assert poll["Server-Timing"].startswith("app;dur=")
    assert "Access-Control-Allow-Origin" not in poll
