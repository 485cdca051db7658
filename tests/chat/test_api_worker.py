"""Full chat turns through the HTTP API with the agent running on a real Celery worker."""

from __future__ import annotations

import pytest

from apps.conversations.models import Message, MessageRole
from apps.integrations.commerce.demo import seed_demo_store
from tests.chat.chat_api import post_json, widget_messages_url, widget_start

pytestmark = pytest.mark.worker


def _turn(client, worker, store, conversation, text):
    """Send `text`, wait until the worker's reply is visible to the poll, return its text."""
    sent = post_json(client, widget_messages_url(store, *conversation), {"text": text})
    assert sent.status_code == 201
    message_id = sent.json()["message"]["id"]
    seen: list[dict] = []

    def reply_visible() -> bool:
        body = client.get(widget_messages_url(store, *conversation, after=str(message_id))).json()
        seen[:] = [m for m in body["messages"] if m["role"] == "assistant"]
        return bool(seen) and body["agent_working"] is False

    worker.wait_until(reply_visible, timeout=30, what=f"the reply to {text!r}")
    return seen[0]["text"]


def test_where_is_my_order_end_to_end(client, celery_worker_process):
    store = seed_demo_store()
    conversation = widget_start(client, store)

    asked = _turn(client, celery_worker_process, store, conversation, "where is my order")
    answered = _turn(client, celery_worker_process, store, conversation, "#1001 jane@example.com")

    assert "order number" in asked.lower()
    assert "#1001" in answered
    assert "in transit" in answered
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in answered
    roles = list(
        Message.objects.filter(conversation_id=conversation[0]).values_list("role", flat=True)
    )
    assert roles == [MessageRole.CUSTOMER, MessageRole.ASSISTANT] * 2
    assert not Message.objects.filter(role=MessageRole.CUSTOMER, handled_at__isnull=True).exists()
