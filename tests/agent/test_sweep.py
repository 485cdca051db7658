"""The sweep that re-enqueues customer messages nobody answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agent import tasks
from apps.conversations.models import Conversation, ConversationStatus, Message, MessageRole

pytestmark = pytest.mark.django_db


def _stranded(conversation: Conversation, text: str, *, age: timedelta) -> Message:
    message = Message.objects.create(
        store=conversation.store, conversation=conversation, role=MessageRole.CUSTOMER, text=text
    )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - age)
    return message


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.handle_message, "delay", sent.append)
    return sent


def test_it_re_enqueues_only_messages_left_unanswered_past_the_grace(
    start: Callable[..., Conversation], enqueued: list[int]
) -> None:
    conversation = start(email="jane@example.com")
    old = _stranded(conversation, "where is my order", age=timedelta(minutes=5))
    _stranded(conversation, "just arrived", age=timedelta(seconds=5))
    _stranded(conversation, "two days ago", age=timedelta(days=2))
    answered = _stranded(conversation, "answered", age=timedelta(minutes=5))
    Message.objects.filter(pk=answered.pk).update(handled_at=timezone.now())

    assert tasks.sweep_unanswered_messages() == 1
    assert enqueued == [old.pk]


def test_it_leaves_conversations_people_are_handling_alone(
    start: Callable[..., Conversation], enqueued: list[int]
) -> None:
    conversation = start(email="jane@example.com")
    conversation.status = ConversationStatus.HUMAN_HANDLING
    conversation.save(update_fields=["status"])
    _stranded(conversation, "hello?", age=timedelta(minutes=5))

    assert tasks.sweep_unanswered_messages() == 0
    assert enqueued == []


def test_a_swept_message_is_answered_once_even_if_its_first_task_also_runs(
    start: Callable[..., Conversation],
) -> None:
    conversation = start(email="jane@example.com")
    message = _stranded(conversation, "hi there", age=timedelta(minutes=5))

    tasks.handle_message.run(message.pk)
    tasks.handle_message.run(message.pk)

    assert conversation.messages.filter(role=MessageRole.ASSISTANT).count() == 1
