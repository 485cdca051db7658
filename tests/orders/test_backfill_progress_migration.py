"""The migration that moves a bulk backfill's position out of the "bulk:" + JSON cursor
into columns: a backfill under way when it runs resumes where it stood."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from apps.integrations.commerce.shopify.bulk import BulkCursor
from apps.orders.models import OrderSync, OrderSyncMode, OrderSyncStatus
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("apps.orders.migrations.0002_backfill_progress_columns")
OPERATION = "gid://shopify/BulkOperation/9"


def _legacy_row(cursor: str) -> OrderSync:
    """A progress row as the code before the migration left it."""
    return OrderSync.objects.create(
        store=StoreFactory(), status=OrderSyncStatus.RUNNING, cursor=cursor, imported=7
    )


def _position(sync: OrderSync) -> tuple[str, str, str, int, int]:
    sync.refresh_from_db()
    return (sync.mode, sync.cursor, sync.bulk_operation_id, sync.bulk_lines, sync.bulk_offset)


def test_a_bulk_cursor_becomes_columns_and_the_backfill_resumes_from_them():
    sync = _legacy_row(f'bulk:{{"operation":"{OPERATION}","lines":40,"offset":9123}}')

    migration.split_cursors(django_apps, None)

    assert _position(sync) == (OrderSyncMode.BULK, "", OPERATION, 40, 9123)
    assert BulkCursor.of(sync) == BulkCursor(OPERATION, lines=40, offset=9123)
    assert sync.imported == 7


@pytest.mark.parametrize(
    "cursor",
    ["", "eyJsYXN0X2lkIjo0NTY3fQ==", "bulkish-page-cursor"],
    ids=["none", "page", "lookalike"],
)
def test_a_page_cursor_stays_a_page_cursor(cursor: str):
    sync = _legacy_row(cursor)

    migration.split_cursors(django_apps, None)

    assert _position(sync) == (OrderSyncMode.PAGES, cursor, "", 0, 0)
    assert BulkCursor.of(sync) is None


@pytest.mark.parametrize(
    "cursor",
    [f'bulk:{{"operation":"{OPERATION}","lines":"x"}}', "bulk:{not json", "bulk:[1,2]"],
    ids=["bad-number", "bad-json", "not-an-object"],
)
def test_a_mangled_bulk_cursor_starts_a_new_operation(cursor: str):
    sync = _legacy_row(cursor)

    migration.split_cursors(django_apps, None)

    assert _position(sync) == (OrderSyncMode.BULK, "", "", 0, 0)
    assert BulkCursor.of(sync) == BulkCursor()


def test_reversing_writes_the_cursor_the_old_code_reads():
    sync = _legacy_row(f'bulk:{{"operation":"{OPERATION}","lines":3,"offset":77}}')
    pages = _legacy_row("page-cursor-abc")
    migration.split_cursors(django_apps, None)

    migration.join_cursors(django_apps, None)

    sync.refresh_from_db()
    pages.refresh_from_db()
    assert sync.cursor == f'bulk:{{"operation":"{OPERATION}","lines":3,"offset":77}}'
    assert pages.cursor == "page-cursor-abc"
