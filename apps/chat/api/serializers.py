"""What the chat API shows of conversations, messages and the store's widget settings."""

from __future__ import annotations

from typing import Any

from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.stores.models import Store, StoreSettings

_WITH_PEOPLE = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)


def message_json(message: Message) -> dict[str, Any]:
    # Text is returned as stored: the widget inserts it as text, never as HTML.
    body: dict[str, Any] = {
        "id": message.pk,
        "role": message.role,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
    if message.role == MessageRole.HUMAN_AGENT:
        # The name the merchant's person signed with; nothing else of metadata leaves.
        body["author"] = str((message.metadata or {}).get("display_name") or "")
    return body


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        # Handed to the merchant's team: the widget says a person will answer.
        "with_team": conversation.status in _WITH_PEOPLE,
    }


def config_json(store: Store, store_settings: StoreSettings) -> dict[str, Any]:
    return {
        "store_name": store.name,
        "agent_name": store_settings.agent_name,
        "greeting": store_settings.greeting,
        "color": store_settings.widget_color,
        "max_message_length": MAX_MESSAGE_LENGTH,
    }
