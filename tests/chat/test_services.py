"""The one entry of a customer's message: saved, then handed to the agent once committed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.chat.services import receive_sms
from apps.conversations.models import Channel, Message
from apps.stores.models import Store
from tests.conversations.test_services import queued_tasks

pytestmark = pytest.mark.django_db

CUSTOMER = "+15550101001"
STORE_NUMBER = "+15005550006"


def _text(store: Store, body: str, sid: str = "a") -> Message | None:
    return receive_sms(
        store=store,
        message_sid="SM" + sid * 32,
        customer=CUSTOMER,
        store_number=STORE_NUMBER,
        body=body,
    )


def test_a_text_is_handed_to_the_agent_once_committed(
    store: Store, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        message = _text(store, "where is order 1001?")

    assert message is not None
    assert message.conversation.channel == Channel.SMS
    assert queued_tasks() == [("apps.agent.tasks.handle_message", f"({message.pk},)")]


def test_a_keyword_or_a_redelivered_text_asks_the_agent_nothing(
    store: Store, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        first = _text(store, "hello", sid="b")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        again = _text(store, "hello", sid="b")
        stop = _text(store, "STOP", sid="c")

    assert first is not None
    assert (again, stop) == (None, None)
    assert queued_tasks() == [("apps.agent.tasks.handle_message", f"({first.pk},)")]
