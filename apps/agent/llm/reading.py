"""What the model says a customer message means, validated strictly and grounded in the text.

The model fills a fixed JSON schema. Its answer is accepted only if it parses, matches the
schema exactly (no extra keys, an intent from the fixed list), and every entity it reports
appears in the customer's own words: a model must not invent an order number or an email.
Anything else is None, and the built-in understanding stands.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from apps.agent.understanding.types import INTENTS

_MAX_ITEMS = 5
Short = Annotated[str, Field(min_length=1, max_length=80)]
Items = Annotated[list[Short], Field(max_length=_MAX_ITEMS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModelAmount(_Strict):
    amount: Short
    currency: Annotated[str, Field(max_length=3)]


class ModelReading(_Strict):
    intent: str
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    order_numbers: Items
    emails: Items
    phones: Items
    amounts: Annotated[list[ModelAmount], Field(max_length=_MAX_ITEMS)]
    tracking_numbers: Items
    product_terms: Items
    is_affirmative: bool
    is_negative: bool
    wants_human: bool

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str) -> str:
        if value not in INTENTS:
            raise ValueError("intent is not in the fixed list")
        return value


def reading_schema() -> dict[str, Any]:
    """The JSON schema sent to the provider (both accept this strict subset)."""
    strings = {"type": "array", "items": {"type": "string"}}
    amount = {
        "type": "object",
        "additionalProperties": False,
        "required": ["amount", "currency"],
        "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}},
    }
    properties: dict[str, Any] = {
        "intent": {"type": "string", "enum": list(INTENTS)},
        "confidence": {"type": "number"},
        "order_numbers": strings,
        "emails": strings,
        "phones": strings,
        "amounts": {"type": "array", "items": amount},
        "tracking_numbers": strings,
        "product_terms": strings,
        "is_affirmative": {"type": "boolean"},
        "is_negative": {"type": "boolean"},
        "wants_human": {"type": "boolean"},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def parse_reading(raw: str | None, *, customer_text: str) -> ModelReading | None:
    """The model's JSON as a ModelReading, or None if it is malformed or ungrounded."""
    if not raw:
        return None
    try:
        reading = ModelReading.model_validate(json.loads(raw))
    except (ValueError, ValidationError):
        return None
    return reading if _grounded(reading, customer_text) else None


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$")
_ORDER_NUMBER = re.compile(r"^\d{1,12}$")
_TRACKING = re.compile(r"^[A-Za-z0-9]{6,40}$")
_NUMBER_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _grounded(reading: ModelReading, text: str) -> bool:
    lowered = text.lower()
    digit_runs = set(re.findall(r"\d+", text))
    compact = re.sub(r"[\s-]", "", lowered)
    return (
        all(_ORDER_NUMBER.match(n) and n in digit_runs for n in reading.order_numbers)
        and all(_EMAIL.match(e) and e.lower() in lowered for e in reading.emails)
        and all(_phone_in_text(p, text) for p in reading.phones)
        and all(_amount_in_text(a, text) for a in reading.amounts)
        and all(_TRACKING.match(t) and t.lower() in compact for t in reading.tracking_numbers)
        and all(term.lower() in lowered for term in reading.product_terms)
    )


def _phone_in_text(phone: str, text: str) -> bool:
    digits = re.sub(r"\D", "", phone)
    return 7 <= len(digits) <= 15 and digits in re.sub(r"\D", "", text)


def _amount_in_text(amount: ModelAmount, text: str) -> bool:
    value = to_decimal(amount.amount)
    if value is None or value <= 0:
        return False
    if amount.currency and not re.fullmatch(r"[A-Z]{3}", amount.currency):
        return False
    written = (to_decimal(m.group()) for m in _NUMBER_IN_TEXT.finditer(text))
    return any(w == value for w in written)


def to_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
