"""Fixtures for the pipeline tests: the seeded demo store and a way to chat with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.agent.pipeline import TurnResult, run_turn
from apps.chat.services import message_add_customer
from apps.conversations.models import Channel, Conversation
from apps.conversations.services import conversation_start
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.stores.models import Store

Chat = Callable[[str], TurnResult]


@pytest.fixture
def demo_store(db) -> Store:  # type: ignore[no-untyped-def]
    return seed_demo_store()


@pytest.fixture
def start(demo_store: Store) -> Callable[..., Conversation]:
    """start(email=..., customer_id=...) -> a new web conversation in the demo store."""

    def _start(
        *, email: str = "", customer_id: str = "", store: Store | None = None
    ) -> Conversation:
        return conversation_start(
            store=store or demo_store,
            channel=Channel.WEB,
            customer_email=email,
            customer_platform_id=customer_id,
            customer_verified=bool(customer_id),
        )

    return _start


def say(conversation: Conversation, text: str) -> TurnResult:
    """One customer turn through the pipeline (the task's concerns aside)."""
    return run_turn(message_add_customer(conversation, text))


@pytest.fixture
def chat(start: Callable[..., Conversation]) -> Callable[..., Chat]:
    """chat(email=...) -> a function sending one message and returning the turn's result."""

    def _chat(**identity: str) -> Chat:
        conversation = start(**identity)

        def _say(text: str) -> TurnResult:
            return say(conversation, text)

        _say.conversation = conversation  # type: ignore[attr-defined]
        return _say

    return _chat


@pytest.fixture
def use_provider(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """use_provider("FailingProvider") serves demo stores with a class from providers.py."""
    from apps.integrations.commerce import registry
    from apps.stores.models import Platform

    def _use(name: str) -> None:
        providers = {**registry._PROVIDERS, Platform.DEMO: f"tests.agent.providers:{name}"}
        monkeypatch.setattr(registry, "_PROVIDERS", providers)

    return _use
