"""Connecting a helpdesk with its OAuth, and retrying what failed to reach it.

The OAuth round trip leaves the embedded admin (the provider's consent page cannot be
framed): a signed, short-lived start link opens a window of its own, which binds the
attempt to that browser with a cookie nonce and sends the merchant to the provider with a
signed state naming the store. The callback checks both, stores the code encrypted and
returns at once: the code is exchanged, the account identified and the webhooks registered
in the connect task (no provider call in a request).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.core import signing
from django.db import transaction
from django.utils import timezone

from apps.dashboard.services.audit import audit_record
from apps.helpdesk.connect import AUTH_KEY
from apps.helpdesk.models import HelpdeskSync, SyncStatus
from apps.helpdesk.tasks import enqueue_sync
from apps.helpdesk.tokens import CODE_KEY
from apps.integrations.connections.base import ProviderSpec
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

START_SALT = "helpdesk-oauth-start"
STATE_SALT = "helpdesk-oauth-state"
START_MAX_AGE = 600  # the start link, from the admin to the new window
STATE_MAX_AGE = 900  # the merchant's time on the provider's consent page
MAX_CODE = 512
NONCE_COOKIE = "helpdesk_oauth_nonce"


class OAuthRefused(Exception):
    """The round trip cannot be trusted or was refused: nothing is stored."""


@dataclass(frozen=True)
class OAuthAttempt:
    store_id: int
    provider: str
    fields: dict[str, str]
    nonce: str


def oauth_start_token(*, store: Store, spec: ProviderSpec, fields: Mapping[str, str]) -> str:
    attempt = {"s": store.pk, "p": spec.key, "f": dict(fields), "n": secrets.token_urlsafe(16)}
    return signing.dumps(attempt, salt=START_SALT)


def _attempt(value: str, *, salt: str, max_age: int, provider: str) -> OAuthAttempt:
    try:
        raw = signing.loads(value[:4000], salt=salt, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired included
        raise OAuthRefused("this link is no longer valid; start again from Aftersale") from exc
    if not isinstance(raw, dict) or raw.get("p") != provider:
        raise OAuthRefused("this link is for another integration")
    given = raw.get("f")
    fields: dict[str, object] = given if isinstance(given, dict) else {}
    return OAuthAttempt(
        int(raw["s"]), provider, {str(k): str(v) for k, v in fields.items()}, str(raw["n"])
    )


def oauth_state_from_start(token: str, provider: str) -> tuple[OAuthAttempt, str]:
    """The attempt a start link carries and the state to send to the provider."""
    attempt = _attempt(token, salt=START_SALT, max_age=START_MAX_AGE, provider=provider)
    state = {"s": attempt.store_id, "p": provider, "f": attempt.fields, "n": attempt.nonce}
    return attempt, signing.dumps(state, salt=STATE_SALT)


def oauth_callback_attempt(state: str, provider: str, cookie_nonce: str) -> OAuthAttempt:
    """The attempt the provider sent back, if it is this browser's (else OAuthRefused)."""
    attempt = _attempt(state, salt=STATE_SALT, max_age=STATE_MAX_AGE, provider=provider)
    if not cookie_nonce or not secrets.compare_digest(cookie_nonce, attempt.nonce):
        raise OAuthRefused("this authorisation was started in another browser; start again")
    return attempt


def oauth_code_store(
    *, attempt: OAuthAttempt, spec: ProviderSpec, code: str
) -> IntegrationCredential:
    """Store the authorisation (encrypted) and ask for the connect task. Replaces an
    earlier connection of the same provider (its webhooks are replaced on connect)."""
    if not code or len(code) > MAX_CODE:
        raise OAuthRefused("the provider sent no usable authorisation code")
    store = Store.objects.get(pk=attempt.store_id)
    with transaction.atomic():
        row = (
            IntegrationCredential.objects.select_for_update()
            .filter(store=store, provider=spec.key)
            .first()
        )
        before = row.revealed_config() if row else {}
        kept = {k: v for k, v in before.items() if k in ("webhook_token", "webhook_state")}
        config = {**kept, **attempt.fields, AUTH_KEY: "oauth", CODE_KEY: code}
        row = row or IntegrationCredential(store=store, provider=spec.key)
        row.config = Secret(json.dumps(config))  # type: ignore[assignment]
        row.hint = "authorised with OAuth"
        row.status = IntegrationStatus.NOT_CONNECTED
        row.last_error = ""
        row.connected_at = row.connected_at or timezone.now()
        row.check_requested_at = timezone.now()
        row.save()
        audit_record(
            store=store,
            actor="oauth",
            section="integrations",
            summary=f"{spec.name} authorised with OAuth",
            changes={},
        )
        from apps.dashboard.tasks import integration_check

        transaction.on_commit(partial(integration_check.delay, row.pk), robust=True)
    return row


def helpdesk_failed_retry(*, store: Store, provider: str, limit: int = 500) -> int:
    """Send again what failed to reach the helpdesk (after a reconnect, say): the rows go
    back to pending with fresh attempts, in their order. Returns how many."""
    with transaction.atomic():
        ids = list(
            HelpdeskSync.objects.filter(store=store, provider=provider, status=SyncStatus.FAILED)
            .order_by("id")
            .values_list("pk", flat=True)[:limit]
        )
        HelpdeskSync.objects.filter(pk__in=ids).update(
            status=SyncStatus.PENDING, attempts=0, next_attempt_at=None, last_error=""
        )
        for row_id in ids:
            transaction.on_commit(partial(enqueue_sync, row_id))
    return len(ids)
