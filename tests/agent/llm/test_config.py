"""Turning the assistant on and off through settings; half-set settings fail fast."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.agent.llm.assistant import build_llm_assistant
from apps.agent.llm.config import load_config
from tests.agent.llm.conftest import API_KEY


@pytest.fixture
def llm_settings(settings: Any) -> Any:
    settings.AGENT_LLM_PROVIDER = "anthropic"
    settings.AGENT_LLM_API_KEY = API_KEY
    settings.AGENT_LLM_MODEL = ""
    settings.AGENT_LLM_TIMEOUT = 8.0
    return settings


def test_it_is_off_by_default(settings: Any) -> None:
    settings.AGENT_LLM_PROVIDER = ""
    assert load_config() is None
    assert build_llm_assistant() is None


@pytest.mark.parametrize(
    ("provider", "model"), [("anthropic", "claude-haiku-4-5"), ("OpenAI ", "gpt-4.1-mini")]
)
def test_each_provider_has_a_default_model(llm_settings: Any, provider: str, model: str) -> None:
    llm_settings.AGENT_LLM_PROVIDER = provider
    config = load_config()
    assert config is not None
    assert (config.provider, config.model) == (provider.strip().lower(), model)


def test_a_configured_model_wins(llm_settings: Any) -> None:
    llm_settings.AGENT_LLM_MODEL = "claude-sonnet-4-6"
    config = load_config()
    assert config is not None
    assert config.model == "claude-sonnet-4-6"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AGENT_LLM_PROVIDER", "gemini", "AGENT_LLM_PROVIDER must be one of"),
        ("AGENT_LLM_API_KEY", "  ", "AGENT_LLM_API_KEY must be set"),
        ("AGENT_LLM_TIMEOUT", 0, "AGENT_LLM_TIMEOUT must be between"),
        ("AGENT_LLM_TIMEOUT", 120, "AGENT_LLM_TIMEOUT must be between"),
    ],
)
def test_half_set_settings_fail_fast(
    llm_settings: Any, name: str, value: Any, message: str
) -> None:
    setattr(llm_settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        build_llm_assistant()
    assert API_KEY not in str(raised.value)


def test_the_key_is_masked_in_the_config(llm_settings: Any) -> None:
    config = load_config()
    assert config is not None
    assert API_KEY not in repr(config)
    assert config.api_key.reveal() == API_KEY


def test_the_endpoints_are_pinned_to_the_official_hosts(
    llm_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://evil.example")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://evil.example")
    anthropic_config = load_config()
    llm_settings.AGENT_LLM_PROVIDER = "openai"
    openai_config = load_config()
    assert anthropic_config is not None
    assert openai_config is not None
    assert anthropic_config.base_url == "https://api.anthropic.com"
    assert openai_config.base_url == "https://api.openai.com/v1"
