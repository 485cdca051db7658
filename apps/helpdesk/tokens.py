"""OAuth tokens of a connected helpdesk: the code exchanged once, the access token kept
fresh under a per-connection lock.

Zendesk and Front rotate refresh tokens (the old one dies when a new one is issued): two
workers refreshing at once would leave one of them, and then the connection, with a dead
token. So a refresh takes a lock shared by every worker (Redis), re-reads the stored
tokens inside it, and refreshes only if nobody else just did.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings

from apps.core.locks import named_lock
from apps.integrations.helpdesk import oauth
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential

CODE_KEY = "oauth_code"
# Refresh this long before the access token expires (a sync call must not start with a
# token that dies mid-flight).
MARGIN_SECONDS = 300


def redirect_uri(provider: str) -> str:
    return f"{settings.APP_URL}/app/helpdesk/oauth/{provider}/callback/"


def _with_tokens(config: dict[str, str], tokens: oauth.Tokens) -> dict[str, str]:
    updated = {**config, "access_token": tokens.access_token}
    if tokens.refresh_token:
        updated["refresh_token"] = tokens.refresh_token
    if tokens.expires_in is not None:
        updated["expires_at"] = str(int(time.time()) + tokens.expires_in)
    else:
        updated.pop("expires_at", None)
    return updated


def code_exchange(provider: str, config: dict[str, str]) -> dict[str, str]:
    """The config with the authorisation code exchanged for tokens (raises the protocol's
    errors; a code is single-use and short-lived, so a refused one means "connect again")."""
    code = config.pop(CODE_KEY, "")
    if not code:
        return config
    tokens = oauth.exchange_code(provider, config, code=code, redirect_uri=redirect_uri(provider))
    return _with_tokens(config, tokens)


def _expiring(config: dict[str, Any]) -> bool:
    expires = str(config.get("expires_at") or "")
    return (
        bool(config.get("refresh_token"))
        and expires.isdigit()
        and (int(expires) - time.time() < MARGIN_SECONDS)
    )


def fresh_config(credential: IntegrationCredential) -> dict[str, str]:
    """The credential's config, its OAuth access token refreshed first when it is about to
    expire. Raises NeedsReauth when the provider refuses the refresh token."""
    config = dict(credential.revealed_config())
    if not _expiring(config):
        return config
    with named_lock(f"helpdesk-token:{credential.pk}", timeout=30, wait=20):
        row = IntegrationCredential.objects.get(pk=credential.pk)
        config = dict(row.revealed_config())
        if not _expiring(config):
            return config  # another worker refreshed while we waited
        tokens = oauth.refresh(credential.provider, config, refresh_token=config["refresh_token"])
        config = _with_tokens(config, tokens)
        IntegrationCredential.objects.filter(pk=row.pk).update(config=Secret(json.dumps(config)))
    return config
