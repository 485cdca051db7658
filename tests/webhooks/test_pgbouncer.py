"""The webhook path through a real PgBouncer in transaction mode (DATABASE_POOLER).

PgBouncer 1.18 (Debian 12) keeps no prepared statements across clients: with one server
connection shared by every client, a second client preparing the inbox's statement would
meet the first client's `_pg3_0` ("prepared statement already exists"). With the pooler
setting nothing is prepared, and every delivery is stored once.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.webhooks.models import WebhookEvent
from tests.factories import StoreFactory
from tests.pgbouncer import BINARY, pgbouncer_port
from tests.webhooks.helpers import SHOP, fixture, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _pooled(directory, *, pooler: bool) -> Iterator[int]:
    """The default connection through PgBouncer, configured as config.settings would be
    with DATABASE_POOLER set (`pooler`) or not."""
    original = dict(connection.settings_dict)
    with pgbouncer_port(directory) as port:
        connection.close()
        connection.settings_dict.update(
            PORT=str(port),
            HOST="127.0.0.1",
            DISABLE_SERVER_SIDE_CURSORS=pooler,
            OPTIONS={"prepare_threshold": None if pooler else settings.PREPARE_EXPLICIT_ONLY},
        )
        try:
            yield port
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(original)


@pytest.fixture
def through_pgbouncer(tmp_path):
    with _pooled(tmp_path, pooler=True) as port:
        yield port


def _other_client(port: int) -> psycopg.Connection:
    """Another process's connection through the same PgBouncer."""
    target = connection.settings_dict
    return psycopg.connect(
        host="127.0.0.1", port=port, dbname=target["NAME"], user=target["USER"] or "postgres",
        autocommit=True,
    )  # fmt: skip


def test_deliveries_from_many_clients_share_one_server_connection(client, through_pgbouncer):
    StoreFactory(domain=SHOP)
    other = _other_client(through_pgbouncer)
    try:
        for n in range(6):
            response = post_webhook(
                client, "orders/create", fixture("orders_create"), event_id=f"evt-{n}"
            )
            assert response.status_code == 200, response.content
            # A new client connection each time, interleaved with another client's
            # statements on the one server connection they all share.
            connection.close()
            other.execute("SELECT 1")
        redelivered = post_webhook(
            client, "orders/create", fixture("orders_create"), event_id="evt-0"
        )
    finally:
        other.close()

    assert redelivered.status_code == 200
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == [
        f"evt-{n}" for n in range(6)
    ]
    assert connection.connection.prepare_threshold is None
    assert json.loads(json.dumps(connection.settings_dict["OPTIONS"])) == {
        "prepare_threshold": None
    }


def _deliver_from_two_clients(client, port: int) -> list[int]:
    StoreFactory(domain=SHOP)
    codes = []
    for n in range(2):
        codes.append(
            post_webhook(
                client, "orders/create", fixture("orders_create"), event_id=f"e{n}"
            ).status_code
        )
        connection.close()  # the next delivery comes from a new client connection
    return codes


def _pgbouncer_keeps_prepared_statements() -> bool:
    """PgBouncer 1.21+ can track prepared statements (max_prepared_statements)."""
    try:
        out = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    major, minor = (int(p) for p in out.stdout.split()[1].split(".")[:2])
    return (major, minor) >= (1, 21)


def test_without_the_pooler_setting_the_inbox_statement_collides(client, tmp_path, settings):
    """The hazard the setting removes: connected as if straight to PostgreSQL, the second
    client's prepared INSERT meets the first one's on the shared server connection."""
    if _pgbouncer_keeps_prepared_statements():
        pytest.skip("this PgBouncer tracks prepared statements itself")
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    with _pooled(tmp_path, pooler=False) as port:
        codes = _deliver_from_two_clients(client, port)

    assert codes[0] == 200
    assert codes[1] >= 500


def test_the_analytics_page_works_through_the_pooler(through_pgbouncer):
    from datetime import timedelta

    from django.utils import timezone

    from apps.dashboard.analytics import DateRange, store_analytics
    from tests.dashboard.conversation_shapes import conversation

    store = StoreFactory()
    conversation(store, started=timezone.now() - timedelta(days=2))
    today = timezone.now().date()
    for _ in range(3):
        data = store_analytics(
            store, DateRange(today - timedelta(days=6), today), now=timezone.now()
        )
        connection.close()

    assert data.totals.conversations == 1
