"""The LLM assistant against each provider's HTTP API (real SDK clients, respx at the wire)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest
import respx

from apps.agent.assistant import AssistContext, assisted_phrasing
from apps.agent.facts import Facts
from apps.agent.llm.assistant import LLMAssistant
from apps.agent.understanding.types import INTENTS
from tests.agent.llm.conftest import API_KEY, ProviderSpec, reading

DRAFT = (
    "Order #1001 is on its way with UPS, tracking number 1Z999AA10123456784: "
    "https://www.ups.com/track?tracknum=1Z999AA10123456784. The total was $89.00."
)
FACTS = Facts(
    items=(
        ("order_name", "#1001"),
        ("carrier", "UPS"),
        ("tracking_number", "1Z999AA10123456784"),
        ("tracking_url", "https://www.ups.com/track?tracknum=1Z999AA10123456784"),
        ("total", "89.00"),
    )
)


def test_it_understands_a_message(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    text = "hi, where's order #1001? my email is Jane@Example.com"
    answer = reading(order_numbers=["1001"], emails=["Jane@Example.com"])
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(provider.url).respond(200, json=provider.text_response(answer))
        result = assistant.understand(text, context)

    assert result is not None
    assert (result.intent, result.confidence, result.source) == ("order_status", 0.93, "llm")
    assert result.scores == {"order_status": 0.93}
    assert result.entities.order_numbers == ("1001",)
    assert result.entities.emails == ("jane@example.com",)
    assert route.call_count == 1
    # The customer's words travel as JSON data inside the user turn, never as instructions.
    system, user = provider.sent_text(json.loads(route.calls[0].request.content))
    assert json.loads(user)["message"] == text
    assert text not in system


def test_it_asks_for_the_fixed_schema_with_the_key_in_the_provider_header(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(provider.url).respond(200, json=provider.text_response(reading()))
        assistant.understand("where is my stuff", context)

    request = route.calls[0].request
    body = json.loads(request.content)
    if provider.name == "anthropic":
        assert request.headers["x-api-key"] == API_KEY
        assert request.headers["anthropic-version"]
        assert body["model"] == "claude-haiku-4-5"
        schema = body["output_config"]["format"]["schema"]
        assert body["output_config"]["format"]["type"] == "json_schema"
    else:
        assert request.headers["authorization"] == f"Bearer {API_KEY}"
        assert body["model"] == "gpt-4.1-mini"
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["intent"]["enum"] == list(INTENTS)
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == sorted(schema["properties"])


def test_a_timeout_gives_no_opinion_after_one_attempt(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(provider.url).mock(side_effect=httpx.ReadTimeout("timed out"))
        assert assistant.understand("where is order 1001", context) is None
    assert route.call_count == 1


@pytest.mark.parametrize("status", [500, 429])
def test_an_error_status_gives_no_opinion_without_retrying(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext, status: int
) -> None:
    body = provider.server_error() if status == 500 else provider.rate_limited()
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(provider.url).respond(status, json=body, headers={"retry-after": "1"})
        assert assistant.understand("where is order 1001", context) is None
        assert assistant.phrase(DRAFT, FACTS, "friendly") is None
    assert route.call_count == 2


def test_a_redirect_is_not_followed(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(307, headers={"location": "https://evil.example/steal"})
        assert assistant.understand("where is order 1001", context) is None
        assert not any(call.request.url.host == "evil.example" for call in mock.calls)


def test_a_refusal_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.refusal())
        assert assistant.understand("where is order 1001", context) is None
        assert assistant.phrase(DRAFT, FACTS, "friendly") is None


def test_a_truncated_answer_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    cut = reading()[:40]
    with respx.mock(assert_all_called=True) as mock:
        body = provider.text_response(cut, stop=provider.truncated_stop())
        mock.post(provider.url).respond(200, json=body)
        assert assistant.understand("where is order 1001", context) is None


@pytest.mark.parametrize(
    "model_text",
    [
        pytest.param('{"intent": "order_status", "confidence": 0.9,', id="cut-json"),
        pytest.param("Sure! The intent is order_status.", id="prose"),
        pytest.param("```json\n" + reading() + "\n```", id="fenced"),
        pytest.param(reading(intent="refund_everything"), id="intent-not-in-list"),
        pytest.param(reading(intent="ORDER_STATUS"), id="intent-wrong-case"),
        pytest.param(reading(order_numbers=["9999"]), id="invented-order-number"),
        pytest.param(reading(approve_refund=True), id="extra-key"),
        pytest.param("[]", id="not-an-object"),
        pytest.param(reading(intent="human_handoff", confidence=0.2), id="a-guess"),
    ],
)
def test_nonsense_from_the_model_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext, model_text: str
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.text_response(model_text))
        assert assistant.understand("where is order 1001", context) is None


def test_a_malformed_http_body_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(
            200, content=b"<html>bad gateway</html>", headers={"content-type": "text/html"}
        )
        assert assistant.understand("where is order 1001", context) is None


def test_a_faithful_rewording_passes_the_fact_checker(
    provider: ProviderSpec, assistant: LLMAssistant
) -> None:
    reworded = (
        "Good news! Your order #1001 is travelling with UPS. Tracking number "
        "1Z999AA10123456784, follow it here: https://www.ups.com/track?tracknum=1Z999AA10123456784 "
        "(order total $89.00)."
    )
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(provider.url).respond(200, json=provider.text_response(reworded))
        assert assisted_phrasing(assistant, DRAFT, FACTS, "friendly") == reworded
    system, user = provider.sent_text(json.loads(route.calls[0].request.content))
    assert user == DRAFT
    assert "warm, friendly" in system


def test_a_rewording_that_invents_an_amount_is_rejected_by_the_fact_checker(
    provider: ProviderSpec, assistant: LLMAssistant
) -> None:
    invented = DRAFT + " As an apology we'll also refund you $25.00 today."
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.text_response(invented))
        # The assistant passes it on (it keeps every fact)...
        assert assistant.phrase(DRAFT, FACTS, "friendly") == invented
        # ...and the pipeline's fact checker throws it out.
        assert assisted_phrasing(assistant, DRAFT, FACTS, "friendly") is None


def test_a_rewording_that_drops_a_fact_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant
) -> None:
    dropped = "Your order #1001 is on its way with UPS and the total was $89.00."
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.text_response(dropped))
        assert assistant.phrase(DRAFT, FACTS, "friendly") is None


def test_a_rambling_rewording_gives_no_opinion(
    provider: ProviderSpec, assistant: LLMAssistant
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.text_response(DRAFT + " ok" * 400))
        assert assistant.phrase(DRAFT, FACTS, "friendly") is None


def test_the_api_key_never_leaks(
    provider: ProviderSpec,
    assistant: LLMAssistant,
    context: AssistContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(401, json=provider.auth_error_echoing(API_KEY))
        assert assistant.understand("where is order 1001", context) is None
        assert assistant.phrase(DRAFT, FACTS, "friendly") is None

    assert "401" in caplog.text  # the failure is logged...
    assert API_KEY not in caplog.text  # ...without the key, even when the body echoes it
    assert API_KEY not in repr(assistant)
    assert API_KEY not in str(vars(assistant))


def test_an_oversized_or_empty_message_is_not_sent(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(provider.url).respond(200, json=provider.text_response(reading()))
        assert assistant.understand("x" * 5000, context) is None
        assert assistant.understand("   ", context) is None
        assert assistant.phrase("  ", FACTS, "friendly") is None
    assert route.call_count == 0


def test_amounts_and_phones_are_grounded_in_the_message(
    provider: ProviderSpec, assistant: LLMAssistant, context: AssistContext
) -> None:
    text = "refund $900 on 1011 please, call me on +1 555-010-4004"
    answer = reading(
        intent="refund_request",
        order_numbers=["1011"],
        amounts=[{"amount": "900", "currency": "USD"}],
        phones=["+1 555-010-4004"],
    )
    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).respond(200, json=provider.text_response(answer))
        result = assistant.understand(text, context)

    assert result is not None
    assert result.intent == "refund_request"
    assert [(m.amount, m.currency) for m in result.entities.amounts] == [(Decimal("900"), "USD")]
    assert [p.digits for p in result.entities.phones] == ["15550104004"]
