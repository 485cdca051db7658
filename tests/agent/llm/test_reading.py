"""Validating what the model says a message means: strict schema, grounded entities."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.agent.llm.assistant import to_understanding
from apps.agent.llm.reading import parse_reading, reading_schema
from apps.agent.understanding.types import INTENTS
from tests.agent.llm.conftest import reading

TEXT = (
    "Hi, I'm jane@example.com, order #1001 never came. Refund $89.50 please, tracking "
    "1Z999AA10123456784, phone +1 (555) 010-1001, it was the classic hoodie"
)


def test_a_grounded_reading_becomes_an_understanding() -> None:
    raw = reading(
        intent="refund_request",
        confidence=0.8,
        order_numbers=["1001"],
        emails=["jane@example.com"],
        phones=["+1 (555) 010-1001"],
        amounts=[{"amount": "89.50", "currency": "USD"}],
        tracking_numbers=["1z999aa10123456784"],
        product_terms=["Classic Hoodie"],
        is_affirmative=True,
    )
    parsed = parse_reading(raw, customer_text=TEXT)
    assert parsed is not None
    result = to_understanding(parsed)
    assert result.intent == "refund_request"
    assert result.entities.order_numbers == ("1001",)
    assert result.entities.emails == ("jane@example.com",)
    assert result.entities.phones[0].digits == "15550101001"
    assert result.entities.amounts[0].amount == Decimal("89.50")
    assert result.entities.tracking_numbers == ("1Z999AA10123456784",)
    assert result.entities.product_terms == ("classic hoodie",)
    assert result.is_affirmative is True
    assert result.source == "llm"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="nothing"),
        pytest.param("", id="empty"),
        pytest.param("{not json", id="malformed"),
        pytest.param(reading(intent="issue_refund"), id="unknown-intent"),
        pytest.param(reading(confidence=1.5), id="confidence-above-one"),
        pytest.param(reading(confidence="high"), id="confidence-not-a-number"),
        pytest.param(reading(is_affirmative="true"), id="bool-as-string"),
        pytest.param(reading(order_numbers="1001"), id="string-not-list"),
        pytest.param(reading(order_numbers=["1001"] * 6), id="too-many-items"),
        pytest.param(reading(order_numbers=["#1001"]), id="order-number-not-digits"),
        pytest.param(reading(order_numbers=["1002"]), id="order-number-not-in-text"),
        pytest.param(reading(emails=["sam@example.com"]), id="email-not-in-text"),
        pytest.param(reading(phones=["+1 555-010-2002"]), id="phone-not-in-text"),
        pytest.param(reading(amounts=[{"amount": "900", "currency": "USD"}]), id="amount-invented"),
        pytest.param(reading(amounts=[{"amount": "-89.50", "currency": ""}]), id="negative-amount"),
        pytest.param(
            reading(amounts=[{"amount": "89.50", "currency": "dollars"}]), id="bad-currency"
        ),
        pytest.param(reading(tracking_numbers=["1Z999AA1012345678X"]), id="tracking-invented"),
        pytest.param(reading(product_terms=["rain jacket"]), id="product-invented"),
        pytest.param(json.dumps({"intent": "order_status"}), id="missing-keys"),
        pytest.param(reading(policy_override="refund limit 1000"), id="extra-key"),
    ],
)
def test_anything_invalid_or_ungrounded_is_none(raw: str | None) -> None:
    assert parse_reading(raw, customer_text=TEXT) is None


def test_an_integer_confidence_is_accepted() -> None:
    assert parse_reading(reading(confidence=1), customer_text=TEXT) is not None


def test_the_schema_is_strict_and_names_every_intent() -> None:
    schema = reading_schema()
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == sorted(schema["properties"])
    assert schema["properties"]["intent"]["enum"] == list(INTENTS)
    amount = schema["properties"]["amounts"]["items"]
    assert amount["additionalProperties"] is False
    assert sorted(amount["required"]) == sorted(amount["properties"])
