"""Rate limits: a flooding client is stopped with a clear 429; everyone else carries on."""

from __future__ import annotations

import pytest
import redis.exceptions
from django.test import override_settings

from apps.chat.api import ratelimit
from apps.conversations.models import Conversation, Message
from apps.core import ratelimit as counters
from apps.stores.models import Platform
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    proxy_messages_url,
    proxy_params,
    proxy_start,
    proxy_url,
    widget_messages_url,
    widget_start,
    widget_url,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

FLOODER = {"REMOTE_ADDR": "203.0.113.7"}
NEIGHBOUR = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def shop():
    return StoreFactory(platform=Platform.DEMO, domain="demo.example.org")


def test_a_message_flood_is_stopped_while_another_customer_carries_on(client, shop):
    mine = widget_start(client, shop, **FLOODER)
    theirs = widget_start(client, shop, **NEIGHBOUR)
    url = widget_messages_url(shop, *mine)

    statuses = [
        post_json(client, url, {"text": f"spam {i}"}, **FLOODER).status_code for i in range(12)
    ]
    blocked = post_json(client, url, {"text": "one more"}, **FLOODER)
    neighbour = post_json(
        client, widget_messages_url(shop, *theirs), {"text": "where is my order"}, **NEIGHBOUR
    )

    assert statuses == [201] * 10 + [429] * 2
    body = assert_problem(blocked, 429, "rate_limited")
    retry_after = int(blocked["Retry-After"])
    assert 0 < retry_after <= 60
    assert body["retry_after"] == retry_after
    assert "wait" in body["detail"]
    assert Message.objects.filter(conversation_id=mine[0]).count() == 10
    assert neighbour.status_code == 201


@override_settings(CHAT_RATE_LIMITS={"message_per_address": "3/60"})
def test_one_address_cannot_flood_by_spreading_over_conversations(client, shop):
    urls = [widget_messages_url(shop, *widget_start(client, shop, **FLOODER)) for _ in range(3)]
    other = widget_messages_url(shop, *widget_start(client, shop, **NEIGHBOUR))

    statuses = [post_json(client, u, {"text": "hi"}, **FLOODER).status_code for u in urls * 2]
    neighbour = post_json(client, other, {"text": "hi"}, **NEIGHBOUR)

    assert statuses == [201, 201, 201, 429, 429, 429]
    assert neighbour.status_code == 201
    assert Message.objects.count() == 4


@override_settings(CHAT_RATE_LIMITS={"start_per_address": "2/600"})
def test_starting_conversations_is_limited_per_address(client, shop):
    url = widget_url("conversations", shop.widget_key)

    statuses = [post_json(client, url, {}, **FLOODER).status_code for _ in range(3)]
    neighbour = post_json(client, url, {}, **NEIGHBOUR)

    assert statuses == [201, 201, 429]
    assert neighbour.status_code == 201
    assert Conversation.objects.count() == 3


@override_settings(CHAT_RATE_LIMITS={"read_per_address": "2/60"})
def test_polling_is_limited_per_address(client, shop):
    conversation = widget_start(client, shop, **FLOODER)
    url = widget_messages_url(shop, *conversation)

    statuses = [client.get(url, **FLOODER).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert client.get(url, **NEIGHBOUR).status_code == 200


@override_settings(CHAT_RATE_LIMITS={"start_per_address": "1/600"})
def test_shoppers_behind_the_app_proxy_are_told_apart_by_forwarded_address(client, store):
    url = proxy_url("conversations", proxy_params(store))
    shopify = {"REMOTE_ADDR": "23.227.38.1"}  # every proxied request comes from Shopify

    first = post_json(client, url, {}, HTTP_X_FORWARDED_FOR="203.0.113.7", **shopify)
    again = post_json(client, url, {}, HTTP_X_FORWARDED_FOR="203.0.113.7", **shopify)
    other = post_json(client, url, {}, HTTP_X_FORWARDED_FOR="198.51.100.20", **shopify)

    assert (first.status_code, again.status_code, other.status_code) == (201, 429, 201)


@override_settings(CHAT_RATE_LIMITS={"start_per_address": "1/600"})
def test_a_forwarded_header_is_ignored_without_a_trusted_proxy(client, shop):
    url = widget_url("conversations", shop.widget_key)

    first = post_json(client, url, {}, HTTP_X_FORWARDED_FOR="10.0.0.1", **FLOODER)
    spoofed = post_json(client, url, {}, HTTP_X_FORWARDED_FOR="10.0.0.2", **FLOODER)

    assert (first.status_code, spoofed.status_code) == (201, 429)


def test_a_broken_limiter_lets_chat_through(client, store, monkeypatch):
    from apps.core.redis import get_redis

    conversation_id, token = proxy_start(client, store)

    def broken(*args, **kwargs):
        raise redis.exceptions.ConnectionError("redis is down")

    monkeypatch.setattr(type(get_redis()), "evalsha", broken)
    monkeypatch.setattr(type(get_redis()), "eval", broken)
    response = post_json(client, proxy_messages_url(store, conversation_id, token), {"text": "hi"})

    assert response.status_code == 201


def test_windows_expire():
    from apps.core.redis import get_redis

    ratelimit.enforce(("message_per_conversation", "w1"))
    ttl = get_redis().ttl("rl:chat:message_per_conversation:w1")

    assert 0 < ttl <= 60


def test_the_in_memory_windows_used_without_redis_count_and_reset(monkeypatch):
    windows = counters._MemoryWindows()
    clock = [1000.0]
    monkeypatch.setattr(counters.time, "monotonic", lambda: clock[0])

    counts = [windows.hit("k", 60)[0] for _ in range(3)]
    clock[0] += 61
    after_window = windows.hit("k", 60)

    assert counts == [1, 2, 3]
    assert after_window == (1, 60)


@override_settings(REDIS_URL="")
def test_limits_hold_in_the_single_process_demo_mode(monkeypatch):
    monkeypatch.setattr(counters, "_memory", counters._MemoryWindows())
    with override_settings(CHAT_RATE_LIMITS={"message_per_conversation": "1/60"}):
        ratelimit.enforce(("message_per_conversation", "demo"))
        with pytest.raises(ratelimit.ChatProblem) as exc:
            ratelimit.enforce(("message_per_conversation", "demo"))
    assert exc.value.status == 429


def test_asking_for_a_person_gets_through_after_the_message_limit(client, shop):
    conversation = widget_start(client, shop, **FLOODER)
    url = widget_messages_url(shop, *conversation)
    for i in range(11):
        post_json(client, url, {"text": f"spam {i}"}, **FLOODER)
    assert post_json(client, url, {"text": "still?"}, **FLOODER).status_code == 429

    handoff = post_json(client, url, {"text": "anything", "kind": "handoff"}, **FLOODER)

    assert handoff.status_code == 201
    # The text is fixed on the server: the handoff lane carries no free text.
    assert handoff.json()["message"]["text"] == "I'd like to talk to a person, please."


def test_the_handoff_lane_has_its_own_small_limit(client, shop):
    url = widget_messages_url(shop, *widget_start(client, shop, **FLOODER))
    statuses = [
        post_json(client, url, {"text": "", "kind": "handoff"}, **FLOODER).status_code
        for _ in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
    assert Message.objects.filter(text="I'd like to talk to a person, please.").count() == 3
