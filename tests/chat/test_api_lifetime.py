"""A conversation token has a lifetime on the server, and each customer message carries a
keyed hash of the caller's address (never the address itself) for the agent's counters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.conversations.models import Conversation, Message, MessageRole
from apps.core.clients import client_key
from apps.stores.models import Platform
from tests.chat.chat_api import post_json, widget_messages_url, widget_start
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return StoreFactory(platform=Platform.WOOCOMMERCE, domain="outfitters.example.com")


@override_settings(CHAT_TOKEN_IDLE_HOURS=24)
def test_a_token_of_an_idle_conversation_opens_nothing(client, shop):
    conversation_id, token = widget_start(client, shop)
    url = widget_messages_url(shop, conversation_id, token)
    assert post_json(client, url, {"text": "hi"}).status_code == 201
    Conversation.objects.filter(pk=conversation_id).update(
        last_message_at=timezone.now() - timedelta(hours=25)
    )

    read = client.get(url)
    write = post_json(client, url, {"text": "who ordered what?"})

    assert (read.status_code, write.status_code) == (404, 404)
    assert Message.objects.filter(conversation_id=conversation_id).count() == 1


@override_settings(CHAT_TOKEN_MAX_AGE_DAYS=7)
def test_a_token_of_an_old_conversation_opens_nothing_however_active(client, shop):
    conversation_id, token = widget_start(client, shop)
    Conversation.objects.filter(pk=conversation_id).update(
        created_at=timezone.now() - timedelta(days=8), last_message_at=timezone.now()
    )

    assert client.get(widget_messages_url(shop, conversation_id, token)).status_code == 404


def test_a_message_carries_a_keyed_hash_of_the_callers_address(client, shop):
    conversation_id, token = widget_start(client, shop)

    post_json(client, widget_messages_url(shop, conversation_id, token), {"text": "hi"})

    message = Message.objects.get(role=MessageRole.CUSTOMER)
    assert message.metadata["client"] == client_key("127.0.0.1")
    assert "127.0.0.1" not in str(message.metadata)
