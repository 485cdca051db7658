"""Failures inside the chat API still answer in JSON with a message a person can read."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import override_settings

from apps.chat.api import selectors
from apps.conversations.models import ConversationStatus, Message
from apps.conversations.services import conversation_set_status
from apps.stores.models import Platform
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    proxy_messages_url,
    proxy_start,
    widget_start,
    widget_url,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_a_database_outage_is_a_503_with_retry_after(client, store, monkeypatch):
    conversation_id, token = proxy_start(client, store)

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "chat_conversation_get", down)
    response = client.get(proxy_messages_url(store, conversation_id, token))

    body = assert_problem(response, 503, "unavailable")
    assert response["Retry-After"] == "5"
    assert "connection refused" not in body["detail"]


def test_an_unexpected_bug_is_still_json_and_reveals_nothing(client, store, monkeypatch):
    conversation_id, token = proxy_start(client, store)

    def bug(**kwargs):
        raise KeyError("internal detail")

    monkeypatch.setattr(selectors, "chat_messages_after", bug)
    response = client.get(proxy_messages_url(store, conversation_id, token))

    assert_problem(response, 500, "internal_error")
    assert "internal detail" not in response.content.decode()


def test_once_people_take_over_the_agent_is_not_typing(client, store):
    conversation_id, token = proxy_start(client, store)
    conversation = store.conversations.get(pk=conversation_id)
    conversation_set_status(conversation, ConversationStatus.HUMAN_HANDLING)

    sent = post_json(client, proxy_messages_url(store, conversation_id, token), {"text": "hi"})
    polled = client.get(proxy_messages_url(store, conversation_id, token))

    assert sent.json()["agent_working"] is False
    assert polled.json()["agent_working"] is False
    assert polled.json()["conversation"]["with_team"] is True
    assert Message.objects.filter(conversation_id=conversation_id).count() == 1


@override_settings(CHAT_RATE_LIMITS={"start_per_address": "1/600"})
def test_a_cross_origin_shop_can_read_its_429(client):
    shop = StoreFactory(platform=Platform.WOOCOMMERCE, domain="outfitters.example.com")
    origin = {"HTTP_ORIGIN": "https://outfitters.example.com"}
    widget_start(client, shop, **origin)

    response = post_json(client, widget_url("conversations", shop.widget_key), {}, **origin)

    assert_problem(response, 429, "rate_limited")
    assert response["Access-Control-Allow-Origin"] == "https://outfitters.example.com"
    assert response["Access-Control-Expose-Headers"] == "Retry-After"


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "\\ud800x"}',
        b'{"text": "hi", "extra": "\\udfff"}',
        b'{"text": "hi", "extra": ' + b"[" * 3_000 + b"]" * 3_000 + b"}",
    ],
    ids=["lone-surrogate-in-text", "lone-surrogate-elsewhere", "deep-nesting"],
)
def test_malformed_json_is_a_400_invalid_json_and_stores_nothing(client, store, caplog, body):
    conversation_id, token = proxy_start(client, store)

    url = proxy_messages_url(store, conversation_id, token)
    response = client.post(url, data=body, content_type="application/json")

    assert_problem(response, 400, "invalid_json")
    assert Message.objects.filter(conversation_id=conversation_id).count() == 0
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
