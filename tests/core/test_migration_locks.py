"""No migration builds an index on a big, busy table while holding a lock on it
(docs/migrations.md): CREATE INDEX without CONCURRENTLY stops every write to the table
for as long as the build takes, which on a big store's messages is minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps
from django.contrib.postgres.operations import AddIndexConcurrently as DjangoConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from apps.core.migration_operations import AddIndexConcurrently

# Tables that grow with traffic and are written on the chat and webhook paths.
HOT_TABLES = frozenset(
    {
        "conversations_conversation",
        "conversations_message",
        "conversations_agentaction",
        "conversations_outboundmessage",
        "webhooks_webhookevent",
        "orders_order",
    }
)
# Applied before the rule (their indexes were built once, while the tables were small, and
# exist wherever these ran). Dropping and re-building them concurrently would leave the
# hot queries without their index in between and gain nothing: they stay as they are.
APPLIED_BEFORE_THE_RULE = frozenset(
    {
        ("conversations", "0002_message_unanswered_index"),
        ("conversations", "0003_message_client_id_action_executing"),
        ("conversations", "0004_hot_query_indexes"),
        ("webhooks", "0003_webhookevent_received_at_index"),
    }
)
_PLAIN_CREATE_INDEX = re.compile(r"\bcreate\s+(unique\s+)?index\s+(?!concurrently\b)", re.I)


def _table(app_label: str, model_name: str) -> str:
    try:
        return str(django_apps.get_model(app_label, model_name)._meta.db_table)
    except LookupError:  # a model since moved or deleted: its default table name
        return f"{app_label}_{model_name.lower()}"


def _builds_index(field: models.Field) -> bool:
    return bool(field.db_index or field.unique or isinstance(field, models.ForeignKey))


def _locking(op: migrations.operations.base.Operation) -> tuple[str, str] | None:
    """(model, what) when `op` builds an index under a lock, else None."""
    if isinstance(op, migrations.AddIndex) and not isinstance(op, DjangoConcurrently):
        return op.model_name, f"AddIndex {op.index.name}"
    if isinstance(op, migrations.AddConstraint) and isinstance(
        op.constraint, models.UniqueConstraint
    ):
        return op.model_name, f"AddConstraint {op.constraint.name} (a unique index)"
    if isinstance(op, migrations.AddField | migrations.AlterField) and _builds_index(op.field):
        return op.model_name, f"{type(op).__name__} {op.name} (db_index/unique/ForeignKey)"
    if isinstance(op, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
        return op.name, type(op).__name__
    return None


def violations(app_label: str, migration: migrations.Migration) -> Iterator[str]:
    """What in `migration` would lock a hot table to build an index."""
    created: set[str] = set()
    for op in migration.operations:
        if isinstance(op, migrations.CreateModel):
            created.add(op.name_lower)  # a new table is empty: nothing to wait for
        if isinstance(op, DjangoConcurrently) and migration.atomic:
            yield f"{op.index.name}: CONCURRENTLY needs `atomic = False` on the migration"
        if isinstance(op, migrations.RunSQL):
            sql = " ".join(map(str, op.sql if isinstance(op.sql, list | tuple) else [op.sql]))
            hot = [t for t in HOT_TABLES if t in sql]
            if hot and _PLAIN_CREATE_INDEX.search(sql):
                yield f"RunSQL CREATE INDEX without CONCURRENTLY on {hot[0]}"
        found = _locking(op)
        if found is None:
            continue
        model, what = found
        table = _table(app_label, model)
        if table in HOT_TABLES and model.lower() not in created:
            yield f"{what} on {table}: build it concurrently (docs/migrations.md)"


def _project_migrations() -> list[tuple[str, str, migrations.Migration]]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return [
        (app, name, migration)
        for (app, name), migration in sorted(loader.disk_migrations.items())
        if type(migration).__module__.startswith("apps.")
    ]


def test_no_new_migration_locks_a_hot_table_to_build_an_index() -> None:
    found = {
        f"{app}.{name}: {problem}"
        for app, name, migration in _project_migrations()
        if (app, name) not in APPLIED_BEFORE_THE_RULE
        for problem in violations(app, migration)
    }
    assert found == set()


def test_the_migrations_from_before_the_rule_are_still_there() -> None:
    # A renamed or squashed one would drop out of the list silently.
    on_disk = {(app, name) for app, name, _ in _project_migrations()}
    assert on_disk >= APPLIED_BEFORE_THE_RULE


# ---------------------------------------------------------------- the check itself


def _migration(*operations: object, atomic: bool = True) -> migrations.Migration:
    migration = migrations.Migration("9999_example", "conversations")
    migration.operations = list(operations)
    migration.atomic = atomic
    return migration


INDEX = models.Index(fields=["created_at"], name="message_created_example")


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddIndex("message", INDEX),
        migrations.AddConstraint(
            "message", models.UniqueConstraint(fields=["created_at"], name="message_unique_example")
        ),
        migrations.AddField("message", "tag", models.CharField(max_length=9, db_index=True)),
        migrations.AlterField("agentaction", "kind", models.CharField(max_length=9, unique=True)),
        migrations.AddField(
            "conversation", "owner", models.ForeignKey("stores.Store", on_delete=models.CASCADE)
        ),
        migrations.RunSQL("CREATE INDEX x ON conversations_message (created_at)"),
        migrations.RunSQL("create unique index x on webhooks_webhookevent (event_id)"),
    ],
    ids=[
        "add-index",
        "unique-constraint",
        "db-index",
        "unique",
        "foreign-key",
        "sql",
        "sql-unique",
    ],
)
def test_it_flags_what_would_lock_a_hot_table(operation: object) -> None:
    assert list(violations("conversations", _migration(operation))) != []


def test_it_flags_a_concurrent_build_inside_a_transaction() -> None:
    problems = list(violations("conversations", _migration(AddIndexConcurrently("message", INDEX))))
    assert problems == [f"{INDEX.name}: CONCURRENTLY needs `atomic = False` on the migration"]


@pytest.mark.parametrize(
    "operation",
    [
        AddIndexConcurrently("message", INDEX),
        DjangoConcurrently("message", INDEX),
        migrations.RunSQL("CREATE INDEX CONCURRENTLY x ON conversations_message (created_at)"),
        migrations.AddIndex("internalnote", models.Index(fields=["id"], name="not_hot_example")),
    ],
    ids=["ours", "django", "sql-concurrently", "not-a-hot-table"],
)
def test_it_lets_what_does_not_lock_a_hot_table_through(operation: object) -> None:
    app = (
        "dashboard"
        if isinstance(operation, migrations.AddIndex)
        and not isinstance(operation, DjangoConcurrently)
        else "conversations"
    )
    assert list(violations(app, _migration(operation, atomic=False))) == []


def test_an_index_on_a_table_created_in_the_same_migration_is_fine() -> None:
    create = migrations.CreateModel(
        "Message", fields=[("id", models.BigAutoField(primary_key=True))]
    )
    assert (
        list(violations("conversations", _migration(create, migrations.AddIndex("message", INDEX))))
        == []
    )
