"""Session tokens and token-endpoint answers shaped like Shopify's documented ones.

Token endpoint responses follow shopify.dev (reference/shopify.md §1.1, §1.5, §1.6): an
expiring offline token answers `access_token`, `scope` (comma-separated), `expires_in`
(3600), `refresh_token` and `refresh_token_expires_in` (90 days); errors are OAuth
`{"error": ..., "error_description": ...}` bodies.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import respx
from django.conf import settings

SHOP = "fancy-socks.myshopify.com"
ACCESS_TTL = 3600
REFRESH_TTL = 90 * 24 * 3600


def session_token_claims(shop: str = SHOP, **overrides: Any) -> dict[str, Any]:
    """App Bridge session-token claims as Shopify documents them; None removes a claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "74221789523",
        "exp": now + 60,
        "nbf": now - 1,
        "iat": now - 1,
        "jti": str(uuid.uuid4()),
        "sid": "b8f5a4d2c0e14b0f9e1f6b1c9a7d3e21",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def make_session_token(
    shop: str = SHOP, *, secret: str | None = None, algorithm: str = "HS256", **overrides: Any
) -> str:
    # Signed over raw JSON so a test can send claim types PyJWT itself would not encode.
    payload = json.dumps(session_token_claims(shop, **overrides)).encode()
    return jwt.api_jws.encode(payload, secret or settings.SHOPIFY_API_SECRET, algorithm=algorithm)


def unsigned_token(shop: str = SHOP, **overrides: Any) -> str:
    """An `alg: none` token, built by hand so no library gets a say in it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = part({"alg": "none", "typ": "JWT"})
    return f"{header}.{part(session_token_claims(shop, **overrides))}."


def token_response(
    access_token: str = "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",
    refresh_token: str = "shprt_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    scope: str = "write_orders,read_customers,read_products",
) -> dict[str, Any]:
    """An expiring offline token, as the code, token-exchange and refresh grants answer."""
    return {
        "access_token": access_token,
        "scope": scope,
        "expires_in": ACCESS_TTL,
        "refresh_token": refresh_token,
        "refresh_token_expires_in": REFRESH_TTL,
    }


def oauth_error(error: str, description: str, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


def token_url(shop: str = SHOP) -> str:
    return f"https://{shop}/admin/oauth/access_token"


def queued_tasks() -> list[tuple[str, str]]:
    """(task name, args repr) of every message waiting on the test Redis broker."""
    from apps.core.redis import get_redis

    client = get_redis()
    assert client is not None, "these tests run with REDIS_URL set"
    messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def sent_json(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)


@pytest.fixture(autouse=True)
def _app_credentials(settings: Any) -> None:
    """Credentials shaped like real ones (a 38-character `shpss_` secret)."""
    settings.SHOPIFY_API_KEY = "3f1d6c0b8e2a4b7c9d0e1f2a3b4c5d6e"
    settings.SHOPIFY_API_SECRET = "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"
    settings.SHOPIFY_API_SECRET_OLD = ""


@pytest.fixture
def shopify_http() -> Iterator[respx.MockRouter]:
    """Every outbound call must match a route the test declares."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router
