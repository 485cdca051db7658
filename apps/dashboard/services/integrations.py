"""Connecting outside providers: encrypted credentials, audited, checked in the background."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.dashboard.services.audit import audit_record, field_diff
from apps.integrations.connections.base import CheckResult, ProviderKind, ProviderSpec
from apps.integrations.connections.registry import connectable
from apps.integrations.connections.registry import provider as provider_spec
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

# Longer than a check can take (task time limit): after that a check is taken as lost.
CHECK_PENDING_FOR = timedelta(seconds=60)


class ProviderNotConnectable(Exception):
    """The provider is listed as coming soon: nothing is stored for it."""


def secret_hint(spec: ProviderSpec, values: Mapping[str, str]) -> str:
    """What the page may show of the credentials: the last 4 characters of the main secret."""
    secrets = [values.get(f.name, "") for f in spec.secret_fields]
    main = next((s for s in secrets if s), "")
    return f"ends in …{main[-4:]}" if len(main) >= 12 else "configured"


OAUTH_KEYS = ("access_token", "refresh_token", "expires_at")


class SecretRequired(ValueError):
    """A destination changed while a stored secret was left blank: it must be entered again."""


def _merged_config(
    spec: ProviderSpec, before: Mapping[str, str], values: Mapping[str, str]
) -> dict[str, str]:
    """The config to store: what was entered, a blank keeping the stored value, except that
    a stored secret never follows a changed destination (it would be sent to a new host)."""
    merged = {f.name: values.get(f.name) or before.get(f.name, "") for f in spec.fields}
    if spec.destination_changed(before, merged):
        missing = [f.name for f in spec.secret_fields if not values.get(f.name)]
        if missing:
            raise SecretRequired(", ".join(missing))
        return merged
    # What connecting learnt (a helpdesk's webhook registration, to remove it on the next
    # connect) stays; tokens of another way of connecting do not.
    names = {f.name for f in spec.fields}
    kept = {k: v for k, v in before.items() if k not in names and k not in OAUTH_KEYS}
    return {**kept, **merged}


def integration_connect(
    *, store: Store, actor: str, spec: ProviderSpec, values: Mapping[str, str]
) -> IntegrationCredential:
    """Save (or replace) the store's credentials for `spec`, then check them in the background.

    `values` are validated; a secret left empty keeps the one already stored, unless a
    destination field (subdomain, region) changed: then it raises SecretRequired and
    nothing is written. The whole config is one encrypted JSON blob; the audit entry names
    changed fields, never secrets. Raises ProviderNotConnectable for a provider that is
    still coming soon.
    """
    if not connectable(spec):
        raise ProviderNotConnectable(f"{spec.name} cannot be connected yet")
    with transaction.atomic():
        row = (
            IntegrationCredential.objects.select_for_update()
            .filter(store=store, provider=spec.key)
            .first()
        )
        before = row.revealed_config() if row else {}
        merged = _merged_config(spec, before, values)
        row = row or IntegrationCredential(store=store, provider=spec.key)
        row.config = Secret(json.dumps(merged))  # type: ignore[assignment]
        row.hint = secret_hint(spec, merged)
        row.status = IntegrationStatus.NOT_CONNECTED
        row.last_error = ""
        row.connected_at = row.connected_at or timezone.now()
        row.check_requested_at = timezone.now()
        row.save()
        changes = field_diff(before, merged, secret=[f.name for f in spec.secret_fields])
        verb = "credentials updated" if before else "connected"
        audit_record(
            store=store,
            actor=actor,
            section="integrations",
            summary=f"{spec.name} {verb}",
            changes=changes,
        )
        _check_on_commit(row.pk)
    return row


def integration_disconnect(*, store: Store, actor: str, spec: ProviderSpec) -> bool:
    """Forget the store's credentials for `spec` (the row and its ciphertext go). Idempotent:
    False when nothing was connected."""
    with transaction.atomic():
        if spec.kind == ProviderKind.HELPDESK:
            deleted = _helpdesk_disconnect(store, spec)
        else:
            deleted, _ = IntegrationCredential.objects.filter(
                store=store, provider=spec.key
            ).delete()
        if deleted:
            audit_record(
                store=store,
                actor=actor,
                section="integrations",
                summary=f"{spec.name} disconnected",
                changes={},
            )
    return bool(deleted)


def _helpdesk_disconnect(store: Store, spec: ProviderSpec) -> int:
    """Stop using the helpdesk now (no sync, its webhooks refused); a task removes our
    webhooks there with the stored credentials, then deletes them."""
    from apps.helpdesk.tasks import helpdesk_disconnect

    row = IntegrationCredential.objects.filter(store=store, provider=spec.key).first()
    if row is None:
        return 0
    if not row.revealed_config().get("webhook_state"):  # nothing of ours there to remove
        row.delete()
        return 1
    IntegrationCredential.objects.filter(pk=row.pk).update(
        status=IntegrationStatus.NOT_CONNECTED, check_requested_at=None, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: helpdesk_disconnect.delay(row.pk), robust=True)
    return 1


def check_pending(row: IntegrationCredential) -> bool:
    """A check was asked for recently and has not answered yet (a lost one stops counting)."""
    requested = row.check_requested_at
    if requested is None or (row.last_checked_at and row.last_checked_at >= requested):
        return False
    return timezone.now() - requested < CHECK_PENDING_FOR


def integration_check_request(*, store: Store, spec: ProviderSpec) -> IntegrationCredential:
    """Ask for a fresh connection check; a click while one is pending adds nothing.

    Raises IntegrationCredential.DoesNotExist when the store has not connected `spec`.
    """
    with transaction.atomic():
        row = IntegrationCredential.objects.select_for_update().get(store=store, provider=spec.key)
        if check_pending(row):
            return row
        row.check_requested_at = timezone.now()
        row.save(update_fields=["check_requested_at", "updated_at"])
        _check_on_commit(row.pk)
    return row


def _check_on_commit(credential_id: int) -> None:
    from apps.dashboard.tasks import integration_check

    transaction.on_commit(lambda: integration_check.delay(credential_id), robust=True)


def integration_check_run(credential_id: int) -> CheckResult | None:
    """Call the provider with the stored credentials and record what it said.

    Idempotent. Returns None (records nothing) when the row is gone or a newer check was
    asked for while this one ran (that one records its own answer).
    """
    row = IntegrationCredential.objects.filter(pk=credential_id).first()
    spec = provider_spec(row.provider) if row else None
    if row is None or spec is None:
        return None
    if spec.kind == ProviderKind.HELPDESK:
        # Connecting a helpdesk goes on past the check: identity, webhooks (apps.helpdesk).
        from apps.helpdesk.connect import helpdesk_connect_run

        return helpdesk_connect_run(credential_id)
    result = spec.check(row.revealed_config())
    recorded = IntegrationCredential.objects.filter(
        pk=row.pk, check_requested_at=row.check_requested_at
    ).update(
        status=IntegrationStatus.CONNECTED if result.ok else IntegrationStatus.FAILING,
        last_error="" if result.ok else result.message[:500],
        last_checked_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return result if recorded else None
