"""AddIndexConcurrently / RemoveIndexConcurrently from apps.core.migration_operations on a
real PostgreSQL (CONCURRENTLY, an invalid leftover of a failed build dropped first) and on
SQLite (the plain statements `make demo` can run)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections, migrations, models
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from apps.core.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently

APP = "lockfree"
INDEX = models.Index(fields=["at"], name="lockfree_thing_at")


def _states() -> tuple[ProjectState, ProjectState]:
    before = ProjectState()
    migrations.CreateModel(
        "Thing",
        fields=[("id", models.BigAutoField(primary_key=True)), ("at", models.IntegerField())],
    ).state_forwards(APP, before)
    after = before.clone()
    AddIndexConcurrently("thing", INDEX).state_forwards(APP, after)
    return before, after


@pytest.fixture
def table(transactional_db: Any) -> Iterator[ProjectState]:
    before, _ = _states()
    model = before.apps.get_model(APP, "thing")
    with connection.schema_editor() as editor:
        editor.create_model(model)
    yield before
    with connection.schema_editor() as editor:
        editor.delete_model(model)


def _index(name: str) -> tuple[bool] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [name],
        )
        return cursor.fetchone()


def _forwards(before: ProjectState, wrapper: Any = connection) -> list[str]:
    _, after = _states()
    wrapper.force_debug_cursor, seen = True, len(wrapper.queries_log)
    try:
        with wrapper.schema_editor(atomic=False) as editor:
            AddIndexConcurrently("thing", INDEX).database_forwards(APP, editor, before, after)
    finally:
        wrapper.force_debug_cursor = False
    return [q["sql"] for q in list(wrapper.queries_log)[seen:]]


def test_it_builds_the_index_concurrently(table: ProjectState) -> None:
    statements = _forwards(table)

    assert any(s.startswith("CREATE INDEX CONCURRENTLY") for s in statements)
    assert _index(INDEX.name) == (True,)


def test_an_invalid_leftover_of_a_failed_build_is_dropped_and_built_again(
    table: ProjectState,
) -> None:
    _forwards(table)
    # What a cancelled CREATE INDEX CONCURRENTLY leaves behind.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [INDEX.name]
        )

    statements = _forwards(table)

    assert any(s.startswith("DROP INDEX CONCURRENTLY") for s in statements)
    assert _index(INDEX.name) == (True,)


def test_a_valid_index_is_not_dropped_first(table: ProjectState) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {INDEX.name} ON {APP}_thing (id)")

    with pytest.raises(Exception, match="already exists"):
        _forwards(table)

    assert _index(INDEX.name) == (True,)


def test_it_refuses_to_run_inside_a_transaction(table: ProjectState) -> None:
    _, after = _states()
    with pytest.raises(Exception, match="atomic = False"), connection.schema_editor() as editor:
        AddIndexConcurrently("thing", INDEX).database_forwards(APP, editor, table, after)


def test_remove_drops_it_concurrently(table: ProjectState) -> None:
    _forwards(table)
    with_index, _ = _states()
    AddIndexConcurrently("thing", INDEX).state_forwards(APP, with_index)
    without = with_index.clone()
    RemoveIndexConcurrently("thing", INDEX.name).state_forwards(APP, without)

    with (
        CaptureQueriesContext(connection) as queries,
        connection.schema_editor(atomic=False) as editor,
    ):
        RemoveIndexConcurrently("thing", INDEX.name).database_forwards(
            APP, editor, with_index, without
        )

    assert any(q["sql"].startswith("DROP INDEX CONCURRENTLY") for q in queries.captured_queries)
    assert _index(INDEX.name) is None

    with connection.schema_editor(atomic=False) as editor:
        RemoveIndexConcurrently("thing", INDEX.name).database_backwards(
            APP, editor, without, with_index
        )
    assert _index(INDEX.name) == (True,)  # reversing builds it again


def test_on_sqlite_it_is_a_plain_create_index(db: Any) -> None:
    sqlite = SQLiteWrapper(
        {**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
         "OPTIONS": {}},
        alias="lockfree-sqlite",
    )  # fmt: skip
    connections[sqlite.alias] = sqlite  # schema editors look their connection up by alias
    before, _ = _states()
    try:
        with sqlite.schema_editor() as editor:
            editor.create_model(before.apps.get_model(APP, "thing"))

        statements = _forwards(before, sqlite)

        assert any(s.startswith("CREATE INDEX") for s in statements)
        assert not any("CONCURRENTLY" in s for s in statements)
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            assert (INDEX.name,) in cursor.fetchall()
    finally:
        sqlite.close()
        del connections[sqlite.alias]
