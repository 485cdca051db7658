"""The one outbound GET every connection check makes, and reading a provider's error."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from apps.core.http import http_client
from apps.core.logging import redact
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.integrations.connections.base import CheckResult

logger = logging.getLogger(__name__)

# A merchant is waiting on the answer: fail fast rather than hang a worker.
CHECK_TIMEOUT = httpx.Timeout(8.0, connect=4.0)
MAX_MESSAGE = 300


def get(
    url: str,
    *,
    auth: httpx.Auth | tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response | CheckResult:
    """GET `url` once; a network failure comes back as a failed CheckResult."""
    try:
        with http_client(timeout=CHECK_TIMEOUT) as client:
            return client.get(
                url,
                auth=auth,
                params=params,
                headers={"Accept": "application/json", **(headers or {})},
            )
    except httpx.TimeoutException:
        return CheckResult(False, "The provider did not answer in time. Try again in a minute.")
    except httpx.HTTPError as exc:
        logger.info("connection check could not reach the provider: %s", type(exc).__name__)
        return CheckResult(False, "Could not reach the provider. Check the address and try again.")


def json_body(response: httpx.Response) -> Any:
    """The provider's JSON answer, None when it is not JSON we would accept from anyone."""
    try:
        return parse_json(response.content)
    except InvalidJSON:
        return None


def failure(response: httpx.Response, message: str = "") -> CheckResult:
    """A failed check that says what the provider said (redacted, bounded)."""
    said = message or provider_message(json_body(response))
    if not said:
        said = response.reason_phrase or "unexpected answer"
    text = f"{said} (HTTP {response.status_code})"
    return CheckResult(False, redact(text)[:MAX_MESSAGE])


def provider_message(body: Any) -> str:
    """The human-readable message in the error shapes providers use (see each module)."""
    if not isinstance(body, dict):
        return ""
    for candidate in (
        _nested(body, "error", "message"),  # Stripe, EasyPost
        _nested(body, "_error", "message"),  # Front
        _first_message(body.get("errors")),  # SendGrid, Intercom
        body.get("error") if isinstance(body.get("error"), str) else None,  # Zendesk, Gorgias
        body.get("message"),  # Twilio
        body.get("description"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return " ".join(candidate.split())
    return ""


def _nested(body: dict[str, Any], outer: str, inner: str) -> Any:
    value = body.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


def _first_message(errors: Any) -> Any:
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0].get("message")
    return None
