"""The answer task's two retry budgets: waiting for one's turn is not a platform failure."""

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


def test_lock_waits_do_not_use_up_the_platform_retries(
    start: Callable[..., Conversation], use_provider: Callable[[str], None]
) -> None:
    """A message that already waited ten times for its conversation still gets every
    platform retry before it is handed to the team."""
    use_provider("BusyProvider")
    BusyProvider.lookups = 0
    conversation = start()
    message = message_add_customer(conversation, "where is order 1001? jane@example.com")

    tasks.handle_message.apply(args=[message.pk], retries=10)

    assert BusyProvider.lookups == tasks.PLATFORM_RETRIES + 1
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    escalations = AgentAction.objects.filter(conversation=conversation, kind=ActionKind.ESCALATE)
    assert [e.parameters["reason"] for e in escalations] == ["platform_unavailable"]
    assert escalations[0].message_id == message.pk


def test_giving_up_leaves_a_conversation_people_took_over_with_them(
    start: Callable[..., Conversation], use_provider: Callable[[str], None]
) -> None:
    use_provider("BusyProvider")
    conversation = start()
    message = message_add_customer(conversation, "where is order 1001? jane@example.com")
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.HUMAN_HANDLING)

    tasks._give_up_to_team(message.pk)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HUMAN_HANDLING
    assert not AgentAction.objects.filter(kind=ActionKind.ESCALATE).exists()


def test_a_message_that_waited_its_whole_lock_budget_is_left_for_the_sweep(
    start: Callable[..., Conversation],
) -> None:
    conversation = start()
    message = message_add_customer(conversation, "hi")

    with tasks.conversation_lock(conversation.pk):
        tasks.handle_message.apply(args=[message.pk], retries=tasks.MAX_LOCK_RETRIES)

    message.refresh_from_db()
    assert message.handled_at is None  # unanswered: the sweep enqueues it again
    assert not conversation.messages.filter(role=MessageRole.ASSISTANT).exists()
