"""Shopify's token endpoint: `POST https://<shop>/admin/oauth/access_token`.

Three grants, one parser: the authorization code (classic install), token exchange of a
session token (embedded install), and refresh. We always ask for an *expiring* offline
token (`expiring=1`): mandatory for new public apps, and every public app from 2027.
This module only talks HTTP; callers persist the result and hold the per-shop lock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from apps.core.http import http_client
from apps.core.untrusted_json import InvalidJSON, parse_json_object
from apps.shopify_app.errors import (
    InvalidSubjectToken,
    TokenEndpointUnavailable,
    TokenRequestRefused,
)
from apps.shopify_app.security import normalise_shop_domain
from apps.stores.services import TokenSet

logger = logging.getLogger(__name__)

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
# Token responses are a few hundred bytes; anything far bigger is not Shopify talking.
MAX_RESPONSE_BYTES = 64 * 1024


def exchange_authorization_code(shop: str, code: str) -> TokenSet:
    """Classic OAuth callback: trade `code` for an expiring offline token pair."""
    return _request(shop, {"code": code, "expiring": 1}, grant="authorization_code")


def exchange_session_token(shop: str, session_token: str) -> TokenSet:
    """Embedded install: trade a verified session token for an expiring offline pair.

    Raises InvalidSubjectToken when Shopify refuses the session token itself.
    """
    body = {
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": 1,
    }
    return _request(shop, body, grant="token_exchange")


def refresh_access_token(shop: str, refresh_token: str) -> TokenSet:
    """Trade the refresh token for a new pair. Shopify rotates the refresh token each time."""
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _request(shop, body, grant="refresh_token")


def _request(shop: str, grant_body: dict[str, Any], *, grant: str) -> TokenSet:
    # Re-checked here because this host receives our client secret.
    shop = normalise_shop_domain(shop)
    body = {
        "client_id": settings.SHOPIFY_API_KEY,
        "client_secret": settings.SHOPIFY_API_SECRET,
        **grant_body,
    }
    issued_at = timezone.now()  # expiry counts from before the call: errs on the early side
    try:
        with http_client(timeout=settings.SHOPIFY_HTTP_TIMEOUT) as client:
            response = client.post(
                f"https://{shop}/admin/oauth/access_token",
                json=body,
                headers={"Accept": "application/json"},
            )
    except httpx.HTTPError as exc:
        logger.warning(
            "shopify token endpoint unreachable shop=%s grant=%s: %s",
            shop,
            grant,
            type(exc).__name__,
        )
        raise TokenEndpointUnavailable("Shopify's token endpoint did not answer") from None
    return _parse(shop, grant, response, issued_at)


def _parse(shop: str, grant: str, response: httpx.Response, issued_at: datetime) -> TokenSet:
    status = response.status_code
    data = _json_object(response.content)
    if status == 200 and data is not None:
        return _token_set(data, issued_at)
    logger.warning(
        "shopify token endpoint refused shop=%s grant=%s status=%s error=%s",
        shop,
        grant,
        status,
        _error_code(data),
    )
    if status == 429 or status >= 500:
        raise TokenEndpointUnavailable(
            f"Shopify's token endpoint answered {status}", retry_after=_retry_after(response)
        )
    if 400 <= status < 500:
        error = _error_code(data)
        if error == "invalid_subject_token":
            raise InvalidSubjectToken("Shopify refused the session token", error=error)
        raise TokenRequestRefused(f"Shopify refused the {grant} grant", error=error)
    raise TokenEndpointUnavailable(f"unexpected answer {status} from the token endpoint")


def _json_object(content: bytes) -> dict[str, Any] | None:
    if len(content) > MAX_RESPONSE_BYTES:
        return None
    try:
        return parse_json_object(content)
    except InvalidJSON:
        return None


def _error_code(data: dict[str, Any] | None) -> str:
    error = (data or {}).get("error")
    # OAuth error codes are short identifiers; anything else is not echoed anywhere.
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) <= 64:
        return error
    return "unknown"


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def _token_set(data: dict[str, Any], issued_at: datetime) -> TokenSet:
    access_token = data.get("access_token")
    scope = data.get("scope", "")
    refresh_token = data.get("refresh_token") or ""
    if not isinstance(access_token, str) or not access_token or not isinstance(scope, str):
        raise TokenEndpointUnavailable("the token endpoint answered without a usable token")
    if not isinstance(refresh_token, str):
        raise TokenEndpointUnavailable("the token endpoint answered a malformed refresh token")
    return TokenSet(
        access_token=access_token,
        scopes=scope,
        access_token_expires_at=_expiry(data, "expires_in", issued_at),
        refresh_token=refresh_token,
        refresh_token_expires_at=_expiry(data, "refresh_token_expires_in", issued_at)
        if refresh_token
        else None,
    )


def _expiry(data: dict[str, Any], key: str, issued_at: datetime) -> datetime | None:
    """None when Shopify sent no lifetime (a non-expiring token)."""
    seconds = data.get(key)
    if seconds is None:
        return None
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise TokenEndpointUnavailable(f"the token endpoint answered a malformed {key}")
    return issued_at + timedelta(seconds=seconds)
