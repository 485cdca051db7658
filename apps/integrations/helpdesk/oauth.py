"""Each helpdesk's OAuth: where the merchant authorises our app, and the token calls.

Facts from reference/helpdesks.md: Gorgias (per-account URLs, `offline` for a refresh
token, access tokens last 24 h), Zendesk (the global OAuth client; per-account URLs;
refresh tokens rotate), Front (global URLs; 60-minute access tokens), Intercom (global
authorize page; tokens never expire, no refresh). Token calls run in Celery tasks only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings

from apps.core.http import http_client
from apps.integrations.helpdesk.base import NeedsReauth, PermanentError, TransientError
from apps.integrations.helpdesk.http import TIMEOUT, _json


@dataclass(frozen=True)
class OAuthApp:
    authorize: str  # may name {subdomain}
    token: str
    scope: str
    # What the merchant tells us before we can send them to the provider.
    needs: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()


APPS: dict[str, OAuthApp] = {
    "gorgias": OAuthApp(
        "https://{subdomain}.gorgias.com/oauth/authorize",
        "https://{subdomain}.gorgias.com/oauth/token",
        "openid email profile offline account:read users:read customers:write "
        "tickets:write integrations:write",
        needs=("subdomain",),
        extra=(("response_type", "code"),),
    ),
    "zendesk": OAuthApp(
        "https://{subdomain}.zendesk.com/oauth/authorizations/new",
        "https://{subdomain}.zendesk.com/oauth/tokens",
        "read write",
        needs=("subdomain",),
        extra=(("response_type", "code"),),
    ),
    "front": OAuthApp(
        "https://app.frontapp.com/oauth/authorize",
        "https://app.frontapp.com/oauth/token",
        "",
        needs=("teammate_email", "inbox_id"),
        extra=(("response_type", "code"),),
    ),
    # Permissions are ticked on the app in the Developer Hub, not asked for in the URL.
    "intercom": OAuthApp(
        "https://app.intercom.com/oauth",
        "https://api.intercom.io/auth/eagle/token",
        "",
        needs=("region",),
    ),
}


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str = ""
    expires_in: int | None = None  # seconds; None = does not expire


def client_id(provider: str) -> str:
    return str(settings.HELPDESK_APPS.get(provider, {}).get("client_id") or "")


def available(provider: str) -> bool:
    """Whether our app is registered with the provider (else only API tokens connect)."""
    return provider in APPS and bool(client_id(provider))


def _url(provider: str, which: str, fields: Mapping[str, str]) -> str:
    override = settings.HELPDESK_OAUTH_URLS.get(provider)
    if override:  # a stand-in: /authorize and /token under one base
        return f"{override.rstrip('/')}/{which}"
    app = APPS[provider]
    template = app.authorize if which == "authorize" else app.token
    return template.format(subdomain=fields.get("subdomain", ""))


def authorize_url(
    provider: str, fields: Mapping[str, str], *, state: str, redirect_uri: str
) -> str:
    app = APPS[provider]
    query = {"client_id": client_id(provider), "redirect_uri": redirect_uri, "state": state}
    if app.scope:
        query["scope"] = app.scope
    query.update(dict(app.extra))
    return f"{_url(provider, 'authorize', fields)}?{urlencode(query)}"


def exchange_code(
    provider: str, fields: Mapping[str, str], *, code: str, redirect_uri: str
) -> Tokens:
    return _token_call(
        provider,
        fields,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
    )


def refresh(provider: str, fields: Mapping[str, str], *, refresh_token: str) -> Tokens:
    """A new access token (and, at Zendesk and Front, a new refresh token: the old one is
    void from now on, so the caller stores the answer before anything else)."""
    return _token_call(
        provider, fields, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def _token_call(provider: str, fields: Mapping[str, str], grant: dict[str, str]) -> Tokens:
    app_secrets = settings.HELPDESK_APPS.get(provider, {})
    form = {
        **grant,
        "client_id": client_id(provider),
        "client_secret": str(app_secrets.get("client_secret") or ""),
    }
    try:
        with http_client(timeout=TIMEOUT) as client:
            response = client.post(_url(provider, "token", fields), data=form)
    except httpx.HTTPError as exc:
        raise TransientError(f"could not reach {provider} for a token") from exc
    body = _json(response)
    if response.status_code in (400, 401, 403):
        raise NeedsReauth(f"{provider} refused the authorisation (HTTP {response.status_code})")
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"{provider} token call failed (HTTP {response.status_code})")
    token = body.get("access_token") if isinstance(body, dict) else None
    if response.status_code >= 300 or not isinstance(token, str) or not token:
        raise PermanentError(f"{provider} gave no access token (HTTP {response.status_code})")
    expires = body.get("expires_in")
    return Tokens(
        token,
        str(body.get("refresh_token") or ""),
        int(expires) if isinstance(expires, int) and not isinstance(expires, bool) else None,
    )
