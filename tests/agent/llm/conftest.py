"""Provider fixtures for the LLM tests: documented response shapes, one place."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from apps.agent.assistant import AssistContext
from apps.agent.llm import assistant as llm_assistant
from apps.agent.llm.assistant import LLMAssistant

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "sk-test-Zq9SECRETKEYmaterial0123456789"


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_load(name))


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    url: str

    def text_response(self, text: str, *, stop: str = "") -> dict[str, Any]:
        if self.name == "anthropic":
            body = fixture("anthropic_message.json")
            body["content"][0]["text"] = text
            body["stop_reason"] = stop or "end_turn"
            return body
        body = fixture("openai_chat_completion.json")
        body["choices"][0]["message"]["content"] = text
        body["choices"][0]["finish_reason"] = stop or "stop"
        return body

    def refusal(self) -> dict[str, Any]:
        return fixture(f"{self.name}_refusal.json")

    def rate_limited(self) -> dict[str, Any]:
        return fixture(f"{self.name}_error_rate_limit.json")

    def server_error(self) -> dict[str, Any]:
        name = (
            "anthropic_error_api.json" if self.name == "anthropic" else "openai_error_server.json"
        )
        return fixture(name)

    def auth_error_echoing(self, key: str) -> dict[str, Any]:
        if self.name == "anthropic":
            body = fixture("anthropic_error_authentication.json")
            body["error"]["message"] = f"invalid x-api-key {key}"
            return body
        body = fixture("openai_error_invalid_key.json")
        body["error"]["message"] = body["error"]["message"].replace("REPLACED_BY_TEST", key)
        return body

    def truncated_stop(self) -> str:
        return "max_tokens" if self.name == "anthropic" else "length"

    def sent_text(self, request_json: dict[str, Any]) -> tuple[str, str]:
        """(system prompt, user content) of a captured request body."""
        if self.name == "anthropic":
            return request_json["system"], request_json["messages"][0]["content"]
        messages = request_json["messages"]
        return messages[0]["content"], messages[1]["content"]


ANTHROPIC = ProviderSpec("anthropic", "https://api.anthropic.com/v1/messages")
OPENAI = ProviderSpec("openai", "https://api.openai.com/v1/chat/completions")


@pytest.fixture(params=[ANTHROPIC, OPENAI], ids=lambda spec: spec.name)
def provider(request: pytest.FixtureRequest, settings: Any) -> ProviderSpec:
    spec: ProviderSpec = request.param
    settings.AGENT_LLM_PROVIDER = spec.name
    settings.AGENT_LLM_API_KEY = API_KEY
    settings.AGENT_LLM_MODEL = ""
    settings.AGENT_LLM_TIMEOUT = 2.0
    return spec


@pytest.fixture
def assistant(provider: ProviderSpec) -> LLMAssistant:
    built = llm_assistant.build_llm_assistant()
    assert built is not None
    return built


@pytest.fixture
def context() -> AssistContext:
    return AssistContext(store_name="Northwind Outfitters", agent_name="Ava", tone="friendly")


def reading(**overrides: Any) -> str:
    """A model answer in the reading schema (JSON text), with `overrides` applied."""
    body: dict[str, Any] = {
        "intent": "order_status",
        "confidence": 0.93,
        "order_numbers": [],
        "emails": [],
        "phones": [],
        "amounts": [],
        "tracking_numbers": [],
        "product_terms": [],
        "is_affirmative": False,
        "is_negative": False,
        "wants_human": False,
    }
    body.update(overrides)
    return json.dumps(body)
