"""The hook an optional helper (an LLM) plugs into: it may understand and phrase, never decide.

`settings.AGENT_ASSISTANT` names a factory as "module.path:callable" that returns an
`Assistant` (or None when it is off). Empty = `NoAssistant`, the built-in path alone.
Whatever the assistant returns is advisory: an understanding is checked against the
known intents, a phrased reply is accepted only when `facts.unsupported_facts` finds
nothing new in it, and any exception or None falls back to the built-in path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Protocol, runtime_checkable

from django.conf import settings

from apps.agent.facts import Facts
from apps.agent.understanding.types import INTENTS, Understanding

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssistContext:
    """What the assistant may know about the conversation (no order data, no secrets)."""

    store_name: str
    agent_name: str
    tone: str
    previous_intent: str | None = None
    awaiting: str | None = None
    # (role, text) of the last few messages, oldest first.
    history: tuple[tuple[str, str], ...] = ()
    # What the built-in understanding made of the message: an assistant may defer to it
    # (return None) when it is confident. Its entities win over the assistant's.
    builtin: Understanding | None = None


@runtime_checkable
class Assistant(Protocol):
    """Optional help for the built-in pipeline. Both methods may return None ("no opinion")."""

    def understand(self, text: str, context: AssistContext) -> Understanding | None:
        """An understanding of `text`, or None to let the built-in understanding decide."""
        ...

    def phrase(self, draft: str, facts: Facts, tone: str) -> str | None:
        """`draft` rewritten in `tone`, stating nothing beyond `facts`; None keeps the draft."""
        ...


class NoAssistant:
    """The default: no opinion on anything, so the built-in path answers alone."""

    def understand(self, text: str, context: AssistContext) -> Understanding | None:
        return None

    def phrase(self, draft: str, facts: Facts, tone: str) -> str | None:
        return None


NO_ASSISTANT = NoAssistant()


def get_assistant() -> Assistant:
    """The configured assistant (built once per configured path), else NO_ASSISTANT."""
    path = (getattr(settings, "AGENT_ASSISTANT", "") or "").strip()
    if not path:
        return NO_ASSISTANT
    return _build(path)


@lru_cache(maxsize=4)
def _build(path: str) -> Assistant:
    module_name, _, attribute = path.partition(":")
    factory: Callable[[], Assistant | None] = getattr(import_module(module_name), attribute)
    return factory() or NO_ASSISTANT


def assisted_understanding(
    assistant: Assistant, text: str, context: AssistContext
) -> Understanding | None:
    """The assistant's understanding when it gives a valid one; None on failure or nonsense."""
    if assistant is NO_ASSISTANT:
        return None
    try:
        result = assistant.understand(text, context)
    except Exception:  # an optional helper must never break the turn
        logger.warning("assistant.understand failed; using the built-in understanding")
        return None
    if not isinstance(result, Understanding) or result.intent not in INTENTS:
        return None
    return result


def assisted_phrasing(assistant: Assistant, draft: str, facts: Facts, tone: str) -> str | None:
    """The assistant's rewording of `draft`, or None (failure, nonsense, or new facts)."""
    if assistant is NO_ASSISTANT:
        return None
    try:
        result = assistant.phrase(draft, facts, tone)
    except Exception:  # an optional helper must never break the turn
        logger.warning("assistant.phrase failed; using the template reply")
        return None
    if not isinstance(result, str) or not result.strip():
        return None
    unsupported = facts.unsupported_in(result, draft=draft)
    if unsupported:
        logger.info("assistant reply rejected: %d unsupported fact(s)", len(unsupported))
        return None
    return result
