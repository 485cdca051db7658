"""Chat-model clients over the official SDKs: one call in, the model's text (or None) out.

Both SDKs run on our own httpx client (explicit timeouts, no redirects) with retries off:
a slow or failing model must hand the turn back to the built-in path quickly, not retry.
Failures are logged by class and status only; an SDK error message may quote the request.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from apps.agent.llm.config import ANTHROPIC, OPENAI, LLMConfig
from apps.core.http import http_client

logger = logging.getLogger(__name__)

JsonSchema = dict[str, Any]


class ChatModel(Protocol):
    """One stateless completion: system + user text in, the model's text out."""

    def complete(
        self, *, system: str, user: str, json_schema: JsonSchema | None, max_tokens: int
    ) -> str | None:
        """The text the model produced, or None on any failure, refusal or truncation.

        With `json_schema`, the provider is asked to answer with JSON matching it; the
        caller still validates, since nothing the model returns is trusted.
        """
        ...


def _timeout(config: LLMConfig) -> httpx.Timeout:
    return httpx.Timeout(config.timeout, connect=min(config.timeout, 5.0))


def _log_failure(provider: str, exc: BaseException) -> None:
    status = getattr(exc, "status_code", "")
    logger.warning("llm %s call failed: %s %s", provider, type(exc).__name__, status)


class AnthropicChatModel:
    """The Messages API (POST /v1/messages); JSON via output_config.format."""

    def __init__(self, config: LLMConfig) -> None:
        import anthropic

        self._errors: tuple[type[BaseException], ...] = (anthropic.AnthropicError,)
        self._model = config.model
        self._client = anthropic.Anthropic(
            api_key=config.api_key.reveal(),
            base_url=config.base_url,
            timeout=_timeout(config),
            max_retries=0,
            http_client=http_client(timeout=_timeout(config)),
        )

    def __repr__(self) -> str:
        return f"<AnthropicChatModel {self._model}>"

    def complete(
        self, *, system: str, user: str, json_schema: JsonSchema | None, max_tokens: int
    ) -> str | None:
        extra: dict[str, Any] = {}
        if json_schema is not None:
            extra["output_config"] = {"format": {"type": "json_schema", "schema": json_schema}}
        try:
            message = self._client.messages.create(
                model=self._model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": user}],
                **extra,
            )
        except self._errors as exc:
            _log_failure(ANTHROPIC, exc)
            return None
        return _anthropic_text(message)


class OpenAIChatModel:
    """Chat Completions (POST /v1/chat/completions); JSON via a strict json_schema."""

    def __init__(self, config: LLMConfig) -> None:
        import openai

        self._errors: tuple[type[BaseException], ...] = (openai.OpenAIError,)
        self._model = config.model
        self._client = openai.OpenAI(
            api_key=config.api_key.reveal(),
            base_url=config.base_url,
            timeout=_timeout(config),
            max_retries=0,
            http_client=http_client(timeout=_timeout(config)),
        )

    def __repr__(self) -> str:
        return f"<OpenAIChatModel {self._model}>"

    def complete(
        self, *, system: str, user: str, json_schema: JsonSchema | None, max_tokens: int
    ) -> str | None:
        extra: dict[str, Any] = {}
        if json_schema is not None:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "strict": True, "schema": json_schema},
            }
        try:
            completion = self._client.chat.completions.create(
                model=self._model,
                max_completion_tokens=max_tokens,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                **extra,
            )
        except self._errors as exc:
            _log_failure(OPENAI, exc)
            return None
        return _openai_text(completion)


def _anthropic_text(message: Any) -> str | None:
    # A non-JSON body reaches us as a plain string: read nothing from it.
    stop_reason = getattr(message, "stop_reason", None)
    # refusal, max_tokens (truncated), pause_turn, tool_use...: nothing usable.
    if stop_reason != "end_turn":
        logger.warning("llm %s stopped early: %s", ANTHROPIC, stop_reason)
        return None
    blocks = getattr(message, "content", None) or []
    parts = [getattr(b, "text", "") for b in blocks if getattr(b, "type", "") == "text"]
    return "".join(p for p in parts if isinstance(p, str)).strip() or None


def _openai_text(completion: Any) -> str | None:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        logger.warning("llm %s answered without choices", OPENAI)
        return None
    choice = choices[0]
    # length (truncated), content_filter, tool_calls: nothing usable.
    if choice.finish_reason != "stop" or getattr(choice.message, "refusal", None):
        logger.warning("llm %s stopped early: %s", OPENAI, choice.finish_reason)
        return None
    content = getattr(choice.message, "content", None)
    return content.strip() or None if isinstance(content, str) else None


_CLIENTS: dict[str, type[AnthropicChatModel] | type[OpenAIChatModel]] = {
    ANTHROPIC: AnthropicChatModel,
    OPENAI: OpenAIChatModel,
}


def build_chat_model(config: LLMConfig) -> ChatModel:
    """The client for the configured provider (its SDK is the optional `llm` extra)."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        return _CLIENTS[config.provider](config)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"AGENT_LLM_PROVIDER={config.provider} needs the SDK: pip install 'aftersale[llm]'"
        ) from exc
