"""`LLMAssistant`: the pipeline's `Assistant` backed by a chat model.

`build_llm_assistant` is the default AGENT_ASSISTANT factory; it builds nothing (the
assistant is off) unless AGENT_LLM_PROVIDER names a provider. The assistant reads messages
and rewords replies; every decision stays with the pipeline, which takes entities only
from its own extraction and fact-checks whatever wording comes back.
"""

from __future__ import annotations

import re
from decimal import Decimal

from apps.agent.assistant import AssistContext
from apps.agent.facts import Facts
from apps.agent.llm.clients import ChatModel, build_chat_model
from apps.agent.llm.config import load_config
from apps.agent.llm.prompts import UNDERSTAND_SYSTEM, phrase_system, understand_input
from apps.agent.llm.reading import ModelReading, parse_reading, reading_schema, to_decimal
from apps.agent.understanding.types import Entities, Money, Phone, Understanding

# Longer messages go to the built-in understanding alone (cost and latency stay bounded).
MAX_UNDERSTAND_CHARS = 2000
MAX_REPLY_CHARS = 2000
# Below this the model is guessing: the built-in understanding decides instead.
MIN_CONFIDENCE = 0.5
_UNDERSTAND_TOKENS = 400
_PHRASE_TOKENS = 700
# Tokens a rewording must keep verbatim: links, emails, and every run of digits.
_KEPT = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d+")


class LLMAssistant:
    """Understands and phrases through `model`; returns None whenever it has no safe answer."""

    def __init__(self, model: ChatModel) -> None:
        self._model = model

    def __repr__(self) -> str:
        return f"<LLMAssistant {self._model!r}>"

    def understand(self, text: str, context: AssistContext) -> Understanding | None:
        if not text.strip() or len(text) > MAX_UNDERSTAND_CHARS:
            return None
        raw = self._model.complete(
            system=UNDERSTAND_SYSTEM,
            user=understand_input(text, context),
            json_schema=reading_schema(),
            max_tokens=_UNDERSTAND_TOKENS,
        )
        reading = parse_reading(raw, customer_text=text)
        if reading is None or reading.confidence < MIN_CONFIDENCE:
            return None
        return to_understanding(reading)

    def phrase(self, draft: str, facts: Facts, tone: str) -> str | None:
        if not draft.strip():
            return None
        raw = self._model.complete(
            system=phrase_system(tone), user=draft, json_schema=None, max_tokens=_PHRASE_TOKENS
        )
        if raw is None or not _plausible_rewording(raw, draft):
            return None
        return raw


def _plausible_rewording(reply: str, draft: str) -> bool:
    """Bounded in length and keeping every link, email and number of the draft.

    The pipeline's fact checker rejects anything new; this rejects what went missing.
    """
    if len(reply) > min(MAX_REPLY_CHARS, 2 * len(draft) + 200):
        return False
    kept = _kept_tokens(reply)
    return all(token in kept for token in _kept_tokens(draft))


def _kept_tokens(text: str) -> set[str]:
    return {token.rstrip(".,;:!?)").lower() for token in _KEPT.findall(text)}


def to_understanding(reading: ModelReading) -> Understanding:
    entities = Entities(
        order_numbers=tuple(dict.fromkeys(reading.order_numbers)),
        emails=tuple(dict.fromkeys(e.lower() for e in reading.emails)),
        phones=tuple(Phone(text=p, digits=re.sub(r"\D", "", p)) for p in reading.phones),
        amounts=tuple(
            Money(amount=to_decimal(a.amount) or Decimal("0"), currency=a.currency, text=a.amount)
            for a in reading.amounts
        ),
        tracking_numbers=tuple(t.upper() for t in reading.tracking_numbers),
        product_terms=tuple(t.lower() for t in reading.product_terms),
    )
    return Understanding(
        intent=reading.intent,
        confidence=reading.confidence,
        scores={reading.intent: reading.confidence},
        entities=entities,
        is_affirmative=reading.is_affirmative,
        is_negative=reading.is_negative,
        wants_human=reading.wants_human,
        source="llm",
    )


def build_llm_assistant() -> LLMAssistant | None:
    """The AGENT_ASSISTANT factory: None when no provider is configured (the default).

    Raises ImproperlyConfigured when a provider is named but its key or SDK is missing.
    """
    config = load_config()
    if config is None:
        return None
    return LLMAssistant(build_chat_model(config))
