"""The assistant hook: it may understand and phrase; the built-in path answers otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.agent.assistant import NO_ASSISTANT, get_assistant
from apps.conversations.models import ActionKind, AgentAction
from tests.agent import assistants
from tests.agent.conftest import Chat

pytestmark = pytest.mark.django_db

TRACKING_1001 = "1Z999AA10123456784"


@pytest.fixture
def use_assistant(settings: Any) -> Callable[[str], None]:
    assistants.calls.clear()

    def _use(name: str) -> None:
        settings.AGENT_ASSISTANT = f"tests.agent.assistants:{name}"

    return _use


def test_without_configuration_there_is_no_assistant() -> None:
    assert get_assistant() is NO_ASSISTANT


def test_a_factory_may_switch_the_assistant_off(use_assistant: Callable[[str], None]) -> None:
    use_assistant("off")
    assert get_assistant() is NO_ASSISTANT


def test_a_grounded_rephrasing_is_used(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("grounded")
    result = chat(email="jane@example.com")("where is order 1001")
    assert result.reply.text.startswith("Rephrased: ")
    assert TRACKING_1001 in result.reply.text
    assert result.assisted
    assert "phrase:friendly" in assistants.calls


def test_a_rephrasing_that_adds_facts_is_thrown_away(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("inventive")
    result = chat(email="jane@example.com")("where is order 1001")
    assert "SAVE20NOW" not in result.reply.text
    assert "$20" not in result.reply.text
    assert TRACKING_1001 in result.reply.text
    assert not result.assisted


def test_a_failing_assistant_leaves_the_built_in_path_to_answer(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("broken")
    result = chat(email="jane@example.com")("where is order 1001")
    assert result.intent == "order_status"
    assert TRACKING_1001 in result.reply.text
    assert not result.assisted


def test_nonsense_from_the_assistant_is_ignored(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("nonsense")
    result = chat(email="jane@example.com")("where is order 1001")
    assert result.intent == "order_status"
    assert TRACKING_1001 in result.reply.text


def test_confirmation_prompts_are_never_rephrased(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("grounded")
    result = chat(email="jane@example.com")("cancel order 1003")
    assert result.reply.text.startswith("Order #1003 hasn't shipped yet")
    assert result.reply.text.endswith("(yes/no)")


def test_the_assistant_reads_intent_but_the_text_keeps_its_own_numbers(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("reader")
    c = chat(email="alex@example.com")
    result = c("i'd like my money back for order 1011, $20 is fine")
    assert result.intent == "refund_request"
    assert result.assisted
    assert result.entities["amounts"] == ["20 USD"]
    assert "$20.00" in result.reply.text
    assert "$900" not in result.reply.text
    assert "understand::order_status" not in assistants.calls  # the built-in reading was passed


def test_the_assistant_cannot_raise_a_refund_it_invents(
    chat: Callable[..., Chat], use_assistant: Callable[[str], None]
) -> None:
    use_assistant("reader")
    c = chat(email="alex@example.com")
    c("I want my money back")  # the assistant "finds" order 1011 and $900 in this
    c("yes")
    assert not AgentAction.objects.filter(kind=ActionKind.REFUND, amount__gt=250).exists()
