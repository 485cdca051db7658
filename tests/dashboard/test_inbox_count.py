"""The inbox counts at most COUNT_CAP + 1 conversations: a big store's page does not pay
for counting every conversation it has."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.dashboard.selectors import inbox as inbox_selectors
from tests.dashboard import factories as make

pytestmark = pytest.mark.django_db


def test_past_the_cap_the_inbox_says_so_and_pages_up_to_it(merchant, shop, monkeypatch):
    monkeypatch.setattr(inbox_selectors, "COUNT_CAP", 30)
    monkeypatch.setattr(inbox_selectors, "PAGE_SIZE", 10)
    for _ in range(35):
        make.conversation(shop, messages=())

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        first = merchant.get("/app/conversations/").content.decode()
    last = merchant.get("/app/conversations/", {"page": "9"}).content.decode()

    assert "1–10 of 30+" in first
    assert "31–31 of 30+" in last  # the cap's page count: 31 rows counted, 4 pages
    counts = [sql for sql in statements if sql.startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert "LIMIT 31" in counts[0]


def test_under_the_cap_the_count_is_exact(merchant, shop, monkeypatch):
    monkeypatch.setattr(inbox_selectors, "COUNT_CAP", 30)
    for _ in range(3):
        make.conversation(shop, messages=())

    assert "1–3 of 3<" in merchant.get("/app/conversations/").content.decode()
