"""Writes on stores and their secrets."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model

from apps.stores import crypto
from apps.stores.fields import EncryptedTextField
from apps.stores.models import Store, StoreSettings


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
