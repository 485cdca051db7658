from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.integrations.commerce.base import TransientCommerceError
from apps.integrations.commerce.shopify.backfill import backfill_run
from apps.orders.models import Order, OrderSync, OrderSyncStatus
from tests.integrations.shopify import answers
from tests.integrations.shopify.answers import graphql_error, ok

pytestmark = pytest.mark.django_db
PAGES = 5
PER_PAGE = 3


def _page_answer(crash_on_page: int | None = None):  # type: ignore[no-untyped-def]
    """Serves PAGES pages of PER_PAGE orders; cursor = the page number."""
    served: list[int] = []

    def answer(variables):  # type: ignore[no-untyped-def]
        page = int(variables["after"] or 0)
        served.append(page)
        if crash_on_page is not None and page == crash_on_page and served.count(page) == 1:
            return graphql_error("Internal error", "INTERNAL_SERVER_ERROR")
        first = page * PER_PAGE + 1
        nodes = [answers.order(1000 + n) for n in range(first, first + PER_PAGE)]
        return ok(
            {
                "orders": {
                    "pageInfo": {"hasNextPage": page + 1 < PAGES, "endCursor": str(page + 1)},
                    "nodes": nodes,
                }
            },
            requested=800,
            actual=40,
        )

    return answer, served


@pytest.fixture
def counted(fake):  # type: ignore[no-untyped-def]
    fake.on("OrdersCount", ok({"ordersCount": {"count": PAGES * PER_PAGE, "precision": "EXACT"}}))
    return fake


def test_it_imports_every_page_following_the_cursor(shop_store, client, counted):
    answer, served = _page_answer()
    counted.on("OrdersPage", answer)

    sync = backfill_run(shop_store, client=client)

    assert sync.status == OrderSyncStatus.DONE
    assert sync.imported == PAGES * PER_PAGE
    assert sync.total_estimate == PAGES * PER_PAGE
    assert sync.points_used == 10 + PAGES * 40  # ordersCount, then the pages
    assert served == list(range(PAGES))
    pages = [c for c in counted.calls if c.operation == "OrdersPage"]
    assert [c.variables["after"] for c in pages] == [None, "1", "2", "3", "4"]
    assert pages[0].variables["query"].startswith("created_at:>='")
    assert pages[0].variables["first"] * 115 < 1000
    assert Order.objects.filter(store=shop_store).count() == PAGES * PER_PAGE


def test_a_backfill_killed_halfway_continues_from_its_cursor_without_duplicates(
    shop_store, client, counted
):
    answer, served = _page_answer(crash_on_page=3)
    counted.on("OrdersPage", answer)
    client.max_wait = 0  # the crash is not retried within this run: the worker "dies"

    with pytest.raises(TransientCommerceError):
        backfill_run(shop_store, client=client)

    sync = OrderSync.objects.get(store=shop_store)
    assert (sync.status, sync.cursor, sync.imported) == (OrderSyncStatus.RUNNING, "3", 9)
    assert Order.objects.filter(store=shop_store).count() == 9

    client.max_wait = 60
    sync = backfill_run(shop_store, client=client)

    assert sync.status == OrderSyncStatus.DONE
    assert sync.imported == PAGES * PER_PAGE
    assert served == [0, 1, 2, 3, 3, 4]  # resumed at page 3, nothing before it again
    assert Order.objects.filter(store=shop_store).count() == PAGES * PER_PAGE
    assert counted.ops().count("OrdersCount") == 1


def test_a_finished_backfill_is_a_no_op_until_restarted(shop_store, client, counted):
    answer, served = _page_answer()
    counted.on("OrdersPage", answer)
    backfill_run(shop_store, client=client)

    backfill_run(shop_store, client=client)
    assert len(served) == PAGES

    out = StringIO()
    call_command("sync_orders", "--store", shop_store.domain, "--restart", stdout=out)
    assert len(served) == 2 * PAGES
    text = out.getvalue()
    assert "[##############################] 15/15 orders 100%  done" in text
    assert text.count("orders") >= PAGES  # one progress line per page without a TTY
    assert Order.objects.filter(store=shop_store).count() == PAGES * PER_PAGE


def test_a_page_above_the_cost_cap_is_halved(shop_store, client, counted):
    answer, _ = _page_answer()
    counted.on(
        "OrdersPage",
        [
            graphql_error(
                "Query cost is 1130, which exceeds the single query max cost limit (1000).",
                "MAX_COST_EXCEEDED",
            ),
            answer,
        ],
    )
    backfill_run(shop_store, client=client, page_size=8)
    sizes = [c.variables["first"] for c in counted.calls if c.operation == "OrdersPage"]
    assert sizes[:2] == [8, 4]


def test_an_order_too_big_for_a_page_is_fetched_on_its_own(shop_store, client, counted):
    big = answers.order(1001, has_more_lines=True)
    counted.on(
        "OrdersPage",
        ok({"orders": {"pageInfo": {"hasNextPage": False, "endCursor": "x"}, "nodes": [big]}}),
    )
    counted.on("OrderById", ok({"order": answers.order(1001)}))

    sync = backfill_run(shop_store, client=client)

    assert sync.imported == 1
    assert Order.objects.filter(store=shop_store).count() == 1
    assert counted.calls[-1].variables["lineItems"] == 20


def test_the_command_refuses_an_unknown_store(db):  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sync_orders", "--store", "nope.myshopify.com", stdout=StringIO())
