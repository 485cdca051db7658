"""Writes on stores and their secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from apps.stores import crypto
from apps.stores.fields import EncryptedTextField, Secret
from apps.stores.models import Store, StoreSettings, StoreStatus


def store_settings(store: Store) -> StoreSettings:
    """The store's settings row, created with defaults on first use (idempotent)."""
    settings_row, _ = StoreSettings.objects.get_or_create(store=store)
    return settings_row


def _encrypted_fields(model: type[Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def secrets_rotate(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every EncryptedTextField value of every model under the first key.

    Works on the raw ciphertext (MultiFernet.rotate), so plaintexts never pass through
    model instances. Idempotent; each batch commits on its own. Raises DecryptionError
    if a value fits none of the configured keys (remove an old key only after this ran).
    """
    counts: dict[str, int] = {}
    for model in apps.get_models():
        fields = _encrypted_fields(model)
        if not fields:
            continue
        counts[model._meta.label] = _rotate_model(model, fields, batch_size)
    return counts


def _rotate_model(model: type[Model], fields: list[EncryptedTextField], batch_size: int) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    columns = [connection.ops.quote_name(str(f.column)) for f in fields]
    rotated = 0
    last_pk = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"WHERE {pk} > %s" if last_pk is not None else ""
            params: list[Any] = [last_pk] if last_pk is not None else []
            cursor.execute(
                f"SELECT {pk}, {', '.join(columns)} FROM {table} {where} "  # noqa: S608
                f"ORDER BY {pk} LIMIT {int(batch_size)} FOR UPDATE"
                if connection.vendor == "postgresql"
                else f"SELECT {pk}, {', '.join(columns)} FROM {table} {where} "  # noqa: S608
                f"ORDER BY {pk} LIMIT {int(batch_size)}",
                params,
            )
            rows = cursor.fetchall()
            for row in rows:
                values = [crypto.rotate(v) if v else v for v in row[1:]]
                assignments = ", ".join(f"{c} = %s" for c in columns)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                    [*values, row[0]],
                )
                rotated += 1
        if len(rows) < batch_size:
            return rotated
        last_pk = rows[-1][0]


@dataclass(frozen=True)
class TokenSet:
    """What a platform's token endpoint gave us. Expiry fields are None for non-expiring."""

    access_token: str
    scopes: str = ""
    access_token_expires_at: datetime | None = None
    refresh_token: str = ""
    refresh_token_expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"<TokenSet scopes={self.scopes!r} expires={self.access_token_expires_at}>"

    __str__ = __repr__


def store_save_tokens(store: Store, tokens: TokenSet) -> None:
    """Persist a token pair atomically (a rotated refresh token must never be half-saved)."""
    with transaction.atomic():
        Store.objects.filter(pk=store.pk).update(
            access_token=Secret(tokens.access_token),
            access_token_expires_at=tokens.access_token_expires_at,
            refresh_token=Secret(tokens.refresh_token) if tokens.refresh_token else None,
            refresh_token_expires_at=tokens.refresh_token_expires_at,
            needs_reauth=False,
            **({"granted_scopes": tokens.scopes} if tokens.scopes else {}),
        )
    store.refresh_from_db()


def store_install(*, platform: str, domain: str, tokens: TokenSet, name: str = "") -> Store:
    """Create the store, or revive it after an uninstall, with fresh tokens. Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        store, created = Store.objects.select_for_update().get_or_create(
            platform=platform,
            domain=domain,
            defaults={"status": StoreStatus.INSTALLED, "installed_at": now, "name": name},
        )
        if not created and store.status != StoreStatus.INSTALLED:
            store.status = StoreStatus.INSTALLED
            store.installed_at = now
            store.uninstalled_at = None
            store.save(update_fields=["status", "installed_at", "uninstalled_at", "updated_at"])
        store_save_tokens(store, tokens)
        store_settings(store)
    return store


def store_uninstall(store: Store) -> bool:
    """Mark uninstalled and forget its tokens (already revoked by the platform).

    Data stays until the platform's redact request. Idempotent: returns False when the
    store was already uninstalled.
    """
    updated = Store.objects.filter(pk=store.pk, status=StoreStatus.INSTALLED).update(
        status=StoreStatus.UNINSTALLED,
        uninstalled_at=timezone.now(),
        access_token=None,
        access_token_expires_at=None,
        refresh_token=None,
        refresh_token_expires_at=None,
    )
    store.refresh_from_db()
    return bool(updated)
