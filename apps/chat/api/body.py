"""Bounded, strict parsing of chat request bodies and query parameters."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest

from apps.chat.api.problems import ChatProblem
from apps.conversations.models import MAX_MESSAGE_LENGTH
from apps.core.untrusted_json import InvalidJSON, parse_json

# 2,000 characters of text, each escaped by JSON as up to 12 bytes (a \uXXXX surrogate
# pair), plus room for the braces and key. Anything larger is not a chat message.
MAX_BODY_BYTES = 32 * 1024
# Ids are bigints: 18 digits is the most that always fits.
_ID = re.compile(r"[0-9]{1,18}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# C0 controls other than tab/newline/carriage return (PostgreSQL refuses NUL outright), and
# the DEL / C1 block: they render as nothing and only hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def read_json_object(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; {} for an empty body. Never reads past the bound."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not _DIGITS.fullmatch(declared):
        raise ChatProblem(400, "bad_request", "The request could not be read.")
    if int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    content_type = request.content_type or ""
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    if not raw.strip():
        return {}
    if content_type not in ("", "application/json", "text/plain"):
        raise ChatProblem(415, "unsupported_media_type", "Send the message as JSON.")
    try:
        data = parse_json(raw)
    except InvalidJSON:
        raise ChatProblem(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ChatProblem(400, "invalid_json", "The request body must be a JSON object.")
    return data


def message_text(data: dict[str, Any]) -> str:
    """The customer's message: a non-blank string of at most MAX_MESSAGE_LENGTH characters."""
    text = data.get("text")
    if not isinstance(text, str):
        raise ChatProblem(400, "text_required", "Please type a message.")
    text = _CONTROL.sub("", text).strip()
    if not text:
        raise ChatProblem(400, "empty_message", "Please type a message.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ChatProblem(
            400,
            "message_too_long",
            f"Messages can be at most {MAX_MESSAGE_LENGTH:,} characters long.",
        )
    return text


def client_message_id(data: dict[str, Any]) -> str:
    """The optional id the widget generated for this message ("" when absent): 1-64
    letters, digits, '-' or '_' (a UUID fits). A retry of the POST resends it."""
    value = data.get("client_message_id")
    if value is None:
        return ""
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise ChatProblem(
            400,
            "invalid_client_message_id",
            "'client_message_id' must be 1-64 letters, digits, '-' or '_'.",
        )
    return value


def parse_id(value: str | None, *, field: str) -> int:
    parsed = id_or_none(value)
    if parsed is None:
        raise ChatProblem(400, "invalid_parameter", f"'{field}' must be a whole number.")
    return parsed


def id_or_none(value: str | None) -> int | None:
    """A database id written in ASCII digits, or None."""
    if value is None or not _ID.fullmatch(value):
        return None
    return int(value)


def single_param(request: HttpRequest, name: str) -> str | None:
    """One query parameter; a repeated one is refused (a smuggled second value)."""
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise ChatProblem(400, "repeated_parameter", f"'{name}' was given more than once.")
    return values[0] if values else None


def _too_large() -> ChatProblem:
    return ChatProblem(
        413,
        "request_too_large",
        f"That message is too long: messages can be at most {MAX_MESSAGE_LENGTH:,} characters.",
    )
