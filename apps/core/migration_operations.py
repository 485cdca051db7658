"""Index operations for migrations on big, busy tables (docs/migrations.md).

A plain CREATE INDEX holds a SHARE lock on its table for as long as the build takes: on
the messages or webhook events of a big store that is minutes in which no message is
saved and no webhook is stored. CREATE INDEX CONCURRENTLY builds without blocking writes.

Django's own AddIndexConcurrently is PostgreSQL-only (the SQLite schema editor of
`make demo` knows no `concurrently`); these fall back to the plain statement elsewhere.
And a concurrent build that fails (a deadlock, a cancel, a unique violation) leaves an
INVALID index behind under the same name, which a second run would trip over: the
leftover is dropped (concurrently) before building again, so the migration can simply be
run again.

The migration holding them must say `atomic = False` (PostgreSQL refuses CONCURRENTLY in
a transaction), and is best kept to the one operation, since a failure halfway through a
non-atomic migration leaves its earlier operations applied.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import (
    AddIndexConcurrently as _PostgresAddIndexConcurrently,
)
from django.contrib.postgres.operations import (
    RemoveIndexConcurrently as _PostgresRemoveIndexConcurrently,
)
from django.db import migrations

_INVALID_INDEX = """
SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = %s AND n.nspname = current_schema() AND NOT i.indisvalid
"""


def _postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


def _drop_invalid_leftover(schema_editor: Any, name: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_INVALID_INDEX, [name])
        if cursor.fetchone() is None:
            return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


class AddIndexConcurrently(_PostgresAddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (after dropping an invalid leftover of an
    earlier failed build); a plain CREATE INDEX on other databases."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not _postgres(schema_editor):
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        self._ensure_not_in_transaction(schema_editor)
        _drop_invalid_leftover(schema_editor, self.index.name)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not _postgres(schema_editor):
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(_PostgresRemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL; a plain DROP INDEX on other databases."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not _postgres(schema_editor):
            migrations.RemoveIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not _postgres(schema_editor):
            migrations.RemoveIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        self._ensure_not_in_transaction(schema_editor)
        _drop_invalid_leftover(schema_editor, self.name)
        super().database_backwards(app_label, schema_editor, from_state, to_state)
