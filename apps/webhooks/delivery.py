"""Reading a Shopify delivery off the request: bounded body, headers of either style, JSON.

Shopify sends `X-Shopify-*` headers; its newer event deliveries send un-prefixed
`shopify-*` ones. WSGI already upper-cases header names, so matching is case-insensitive;
when both styles are present the newer one wins (as Shopify's own libraries do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

from apps.core.untrusted_json import MAX_JSON_DEPTH, InvalidJSON, nesting_exceeds, parse_json
from apps.shopify_app.security import InvalidShopDomain, normalise_shop_domain

_TOPIC = re.compile(r"^[a-z0-9_][a-z0-9_./:-]{0,99}$")
_TOKEN = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
_API_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class DeliveryError(Exception):
    """A delivery we refuse; `status` is the HTTP answer, `code` a stable name for it, the
    message says why."""

    status = 400
    code = "bad_webhook"


class InvalidPayload(DeliveryError):
    """The body is not a JSON object we can store."""

    code = "invalid_json"


class BodyTooLarge(DeliveryError):
    status = 413
    code = "request_too_large"


def header(meta: Mapping[str, Any], name: str) -> str:
    """`name` is the suffix after the prefix, e.g. "Hmac-Sha256"; new style preferred."""
    key = name.upper().replace("-", "_")
    value = meta.get(f"HTTP_SHOPIFY_{key}") or meta.get(f"HTTP_X_SHOPIFY_{key}") or ""
    return str(value).strip()


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The raw body, refusing anything over `limit` bytes before and after reading it."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared_length = int(declared)
    except ValueError as exc:
        raise DeliveryError("Content-Length is not a number.") from exc
    if declared_length > limit:
        raise BodyTooLarge(f"Body larger than {limit} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(f"Body larger than {limit} bytes.")
    return body


@dataclass(frozen=True)
class ShopifyDelivery:
    shop_domain: str
    topic: str
    webhook_id: str
    event_id: str
    api_version: str
    triggered_at: datetime | None


def parse_headers(meta: Mapping[str, Any]) -> ShopifyDelivery:
    """The delivery's metadata; raises DeliveryError naming what is missing or malformed."""
    raw = {n: header(meta, n) for n in ("Topic", "Shop-Domain", "Webhook-Id", "API-Version")}
    missing = [f"X-Shopify-{name}" for name, value in raw.items() if not value]
    if missing:
        raise DeliveryError(f"Missing header(s): {', '.join(missing)}.")
    try:
        shop_domain = normalise_shop_domain(raw["Shop-Domain"])
    except InvalidShopDomain as exc:
        raise DeliveryError("X-Shopify-Shop-Domain is not a myshopify.com domain.") from exc
    topic = raw["Topic"].lower()
    if not _TOPIC.fullmatch(topic):
        raise DeliveryError("X-Shopify-Topic is malformed.")
    webhook_id = raw["Webhook-Id"]
    event_id = header(meta, "Event-Id") or webhook_id
    if not (_TOKEN.fullmatch(webhook_id) and _TOKEN.fullmatch(event_id)):
        raise DeliveryError("X-Shopify-Webhook-Id or X-Shopify-Event-Id is malformed.")
    if not _API_VERSION.fullmatch(raw["API-Version"]):
        raise DeliveryError("X-Shopify-API-Version is malformed.")
    return ShopifyDelivery(
        shop_domain=shop_domain,
        topic=topic,
        webhook_id=webhook_id,
        event_id=event_id,
        api_version=raw["API-Version"],
        triggered_at=_parse_timestamp(header(meta, "Triggered-At")),
    )


def _parse_timestamp(value: str) -> datetime | None:
    """Shopify's ISO 8601 (nanoseconds and `Z` included); unparseable means unknown."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


EMPTY = "Empty body: a JSON object is expected."
NOT_UTF8 = "Body is not UTF-8."
NOT_OBJECT = "Body must be a JSON object."
NOT_JSON = "Body is not valid JSON."
TOO_DEEP = f"Body is nested deeper than {MAX_JSON_DEPTH} levels."


def payload_text(body: bytes) -> str:
    """The body as text, once it is known to look like one JSON object.

    Its full syntax is checked where it is parsed anyway: PostgreSQL's jsonb input, in
    the INSERT (apps.webhooks.inbox); parsing it here as well cost about a sixth of the
    request's CPU. Text that starts with `{` and parses is an object. The text, not a
    re-serialisation, is what gets stored, so the row keeps exactly what was signed.
    The nesting depth is bounded here (cheaply), because PostgreSQL's parser recurses: a
    deep document would fail on its stack depth as if the database were down.
    """
    if not body.strip():
        raise InvalidPayload(EMPTY)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidPayload(NOT_UTF8) from exc
    if not text.lstrip(" \t\r\n").startswith("{"):
        raise InvalidPayload(NOT_OBJECT)
    if nesting_exceeds(body):
        raise InvalidPayload(TOO_DEEP)
    return text


def check_json_object(text: str) -> None:
    """Full validation in Python, for databases that store JSON without parsing it."""
    if nesting_exceeds(text):
        raise InvalidPayload(TOO_DEEP)
    try:
        parsed = parse_json(text)
    except InvalidJSON as exc:
        raise InvalidPayload(NOT_JSON) from exc
    if not isinstance(parsed, dict):
        raise InvalidPayload(NOT_OBJECT)
