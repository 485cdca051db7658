"""Which LLM provider to use, read once from settings and validated (fail fast when half-set)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.stores.fields import Secret

ANTHROPIC = "anthropic"
OPENAI = "openai"

# Small, fast models: the assistant sits on the customer's critical path.
DEFAULT_MODELS: dict[str, str] = {
    ANTHROPIC: "claude-haiku-4-5",
    OPENAI: "gpt-4.1-mini",
}
# Pinned rather than read from the SDKs' environment variables, so nothing outside our
# settings can send the key to another host.
BASE_URLS: dict[str, str] = {
    ANTHROPIC: "https://api.anthropic.com",
    OPENAI: "https://api.openai.com/v1",
}
MAX_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class LLMConfig:
    provider: str
    model: str
    api_key: Secret
    timeout: float

    @property
    def base_url(self) -> str:
        return BASE_URLS[self.provider]


def load_config() -> LLMConfig | None:
    """The configured provider, or None when the assistant is off (the default).

    Raises ImproperlyConfigured for an unknown provider, a missing key or a bad timeout.
    """
    provider = (settings.AGENT_LLM_PROVIDER or "").strip().lower()
    if not provider:
        return None
    if provider not in DEFAULT_MODELS:
        raise ImproperlyConfigured(
            f"AGENT_LLM_PROVIDER must be one of {sorted(DEFAULT_MODELS)} or empty"
        )
    api_key = (settings.AGENT_LLM_API_KEY or "").strip()
    if not api_key:
        raise ImproperlyConfigured("AGENT_LLM_API_KEY must be set when AGENT_LLM_PROVIDER is")
    timeout = float(settings.AGENT_LLM_TIMEOUT)
    if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise ImproperlyConfigured(
            f"AGENT_LLM_TIMEOUT must be between 0 and {MAX_TIMEOUT_SECONDS:g} seconds"
        )
    model = (settings.AGENT_LLM_MODEL or "").strip() or DEFAULT_MODELS[provider]
    return LLMConfig(provider=provider, model=model, api_key=Secret(api_key), timeout=timeout)
