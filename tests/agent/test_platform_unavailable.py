"""A busy or unreachable platform: the customer waits, then gets an honest answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.agent import tasks
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Conversation,
    ConversationStatus,
    MessageRole,
)
from tests.agent.providers import BusyProvider

pytestmark = pytest.mark.django_db


def _assistant_texts(conversation: Conversation) -> list[str]:
    return list(
        conversation.messages.filter(role=MessageRole.ASSISTANT).values_list("text", flat=True)
    )


def test_a_busy_platform_is_retried_then_handed_to_the_team(
    start: Callable[..., Conversation], use_provider: Callable[[str], None]
) -> None:
    use_provider("BusyProvider")
    BusyProvider.lookups = 0
    conversation = start()
    message = message_add_customer(conversation, "where is order 1001? jane@example.com")

    tasks.handle_message.apply(args=[message.pk])

    assert BusyProvider.lookups == tasks.PLATFORM_RETRIES + 1
    texts = _assistant_texts(conversation)
    assert len(texts) == 1
    assert "can't reach our order system" in texts[0]
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    assert (
        AgentAction.objects.filter(conversation=conversation, kind=ActionKind.ESCALATE).count() == 1
    )


def test_a_revoked_token_hands_over_at_once_without_retrying(
    start: Callable[..., Conversation], use_provider: Callable[[str], None]
) -> None:
    use_provider("RevokedProvider")
    conversation = start()
    message = message_add_customer(conversation, "where is order 1001? jane@example.com")

    tasks.handle_message.apply(args=[message.pk])

    texts = _assistant_texts(conversation)
    assert len(texts) == 1
    assert "passed your message to our team" in texts[0]
    assert "1001" not in texts[0]
