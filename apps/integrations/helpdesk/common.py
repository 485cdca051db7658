"""Small pieces every helpdesk provider shares: reading untrusted shapes, signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from apps.integrations.helpdesk.base import InvalidWebhook, PermanentError

# A signed delivery older (or newer) than this is refused: a replay, or a skewed clock.
MAX_WEBHOOK_AGE = timedelta(minutes=5)


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    """The objects in a JSON list (anything else in it is skipped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def ident(value: Any) -> str:
    """An id as text: Zendesk sends the same id as an integer in REST and a string in events."""
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, int | str) else ""


def required_id(body: Any, *path: str, what: str) -> str:
    """The id at `path` in a provider answer, or a PermanentError naming what was missing."""
    value: Any = body
    for key in path:
        value = obj(value).get(key)
    found = ident(value)
    if not found:
        raise PermanentError(f"the answer had no {what}")
    return found


def numeric(value: str) -> int:
    """A numeric id (Gorgias, Zendesk) for a request body; anything else is refused."""
    if not value.isdigit() or len(value) > 19:
        raise PermanentError(f"not a numeric id: {value[:40]!r}")
    return int(value)


def hmac_digest(secret: str, message: bytes, algorithm: str) -> bytes:
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def check_base64_signature(
    given: str, secret: str, message: bytes, algorithm: str = "sha256"
) -> None:
    expected = base64.b64encode(hmac_digest(secret, message, algorithm)).decode()
    if not secret or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidWebhook("bad signature")


def check_fresh(sent_at: datetime, received_at: datetime) -> None:
    if abs(received_at - sent_at) > MAX_WEBHOOK_AGE:
        raise InvalidWebhook("stale or future timestamp")


def header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name.lower(), "").strip()


def check_tenant(found: str, expected: str) -> None:
    if not found or not hmac.compare_digest(found.encode(), expected.encode()):
        raise InvalidWebhook("the webhook names another account")
