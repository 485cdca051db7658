"""Connecting a store's helpdesk, after its credentials (API token or OAuth tokens) are
stored: learn who they act as, register our webhooks, and record it all (encrypted).

Runs in a Celery task (it calls the provider). Idempotent: running it again re-registers
the webhooks (the previous registration is removed first) and records the same identity.
Disconnecting removes the webhooks before the credentials are forgotten.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone

from apps.helpdesk.assignees import assignees_forget
from apps.helpdesk.events import TOKEN_CONFIG_KEY, new_webhook_token
from apps.helpdesk.tokens import CODE_KEY, code_exchange
from apps.integrations.connections.base import CheckResult
from apps.integrations.connections.registry import provider as provider_spec
from apps.integrations.helpdesk.base import HelpdeskError, HelpdeskProvider, NeedsReauth
from apps.integrations.helpdesk.registry import provider_for
from apps.integrations.helpdesk.tenants import tenant_from_config
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus

logger = logging.getLogger(__name__)

WEBHOOK_STATE_KEY = "webhook_state"
CONNECTED_AS_KEY = "connected_as"
AUTH_KEY = "auth"  # "oauth" when the tokens came from the provider's OAuth
# Where the account's key in webhooks is kept, per provider (Zendesk's API does not say it).
TENANT_KEY_FIELD = {"gorgias": "subdomain", "front": "company_id", "intercom": "app_id"}


def webhook_url(credential: IntegrationCredential, token: str) -> str:
    return f"{settings.APP_URL}/webhooks/helpdesk/{credential.provider}/{credential.pk}.{token}"


def _client(provider: str, config: Mapping[str, str]) -> HelpdeskProvider:
    # Before the first connect the account and the bot's id are not known: identify()
    # learns them (no webhook is checked against these placeholders).
    unknown = {"bot_actor_id": "-", "company_id": "-", "app_id": "-"}
    return provider_for(tenant_from_config(provider, {**unknown, **config}))


def helpdesk_connect_run(credential_id: int) -> CheckResult | None:
    """Identify the account, (re)register the webhooks, record the result on the row.

    Returns None (records nothing) when the row is gone or a newer connect was asked for
    meanwhile. A revoked or insufficient credential records "reconnect"; nothing raises.
    """
    row = IntegrationCredential.objects.filter(pk=credential_id).first()
    spec = provider_spec(row.provider) if row else None
    if row is None or spec is None:
        return None
    config = dict(row.revealed_config())
    # The provider's own check first: its answers say best what is wrong with a credential.
    oauth = config.get(AUTH_KEY) == "oauth"
    checked = CheckResult(True, "") if oauth else spec.check(config)
    if not checked.ok:
        return _record(row, config, checked)
    try:
        config = code_exchange(row.provider, config) if oauth else config
        config, label = _connect(row, config)
    except NeedsReauth as exc:
        return _record(row, config, CheckResult(False, f"Reconnect needed: {exc}"))
    except HelpdeskError as exc:
        return _record(row, config, CheckResult(False, str(exc)))
    return _record(row, config, CheckResult(True, f"Connected as {label}"))


def _connect(row: IntegrationCredential, config: dict[str, str]) -> tuple[dict[str, str], str]:
    app = settings.HELPDESK_APPS.get(row.provider, {})
    client = _client(row.provider, config)
    identity = client.identify(actor_email=config.get("teammate_email", ""))
    _unsubscribe(client, config)
    token = config.get(TOKEN_CONFIG_KEY) or new_webhook_token()
    # Gorgias echoes our own secret in a header; Front and Intercom sign with the app's
    # secret; Zendesk issues a signing secret per webhook (returned below).
    secret = app.get("webhook_secret") or app.get("client_secret") or secrets.token_urlsafe(32)
    config.update(
        {
            TOKEN_CONFIG_KEY: token,
            "webhook_secret": config.get("webhook_secret") or secret,
            "bot_actor_id": identity.actor_id,
            CONNECTED_AS_KEY: identity.label[:100],
        }
    )
    if identity.tenant_key and row.provider in TENANT_KEY_FIELD:
        config[TENANT_KEY_FIELD[row.provider]] = identity.tenant_key
    subscriber = provider_for(tenant_from_config(row.provider, config))
    state = dict(subscriber.subscribe_webhooks(webhook_url(row, token)))
    signing = state.pop("signing_secret", "")
    if signing:
        config["webhook_secret"] = signing
    config[WEBHOOK_STATE_KEY] = json.dumps(state)
    return config, config[CONNECTED_AS_KEY]


def _unsubscribe(client: HelpdeskProvider, config: Mapping[str, str]) -> None:
    raw = config.get(WEBHOOK_STATE_KEY) or ""
    if not raw:
        return
    try:
        client.unsubscribe_webhooks(json.loads(raw))
    except (HelpdeskError, ValueError) as exc:
        logger.warning("old helpdesk webhook not removed: %s", exc)


def _record(
    row: IntegrationCredential, config: dict[str, str], result: CheckResult
) -> CheckResult | None:
    changes: dict[str, object] = {
        "status": IntegrationStatus.CONNECTED if result.ok else IntegrationStatus.FAILING,
        "last_error": "" if result.ok else result.message[:500],
        "last_checked_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    if result.ok:
        # Whom it is connected as is on the helpdesk's panel; the hint says how.
        if config.get(AUTH_KEY) == "oauth":
            changes["hint"] = "authorised with OAuth"
        changes["config"] = Secret(json.dumps(config))
    elif CODE_KEY in config:
        # A code is single use: never try it again; the merchant connects again.
        config.pop(CODE_KEY)
        changes["config"] = Secret(json.dumps(config))
    # Fenced like the dashboard's checks: a newer request records its own answer.
    recorded = IntegrationCredential.objects.filter(
        pk=row.pk, check_requested_at=row.check_requested_at
    ).update(**changes)
    if recorded:
        assignees_forget(row.store_id)
    return result if recorded else None


def helpdesk_disconnect_run(credential_id: int) -> bool:
    """Remove our webhooks from the helpdesk, then forget the credentials. Best effort at
    the provider (a revoked token cannot remove anything: the helpdesk then disables the
    webhook by its own failure rules); the row goes either way. False when already gone."""
    row = IntegrationCredential.objects.filter(pk=credential_id).first()
    if row is None:
        return False
    config = row.revealed_config()
    try:
        _unsubscribe(_client(row.provider, config), config)
    except HelpdeskError as exc:
        logger.warning("helpdesk webhooks of %s not removed: %s", row.provider, exc)
    # Only a row still being disconnected: a reconnect meanwhile asked for a check.
    IntegrationCredential.objects.filter(
        pk=row.pk, status=IntegrationStatus.NOT_CONNECTED, check_requested_at__isnull=True
    ).delete()
    assignees_forget(row.store_id)
    return True
