"""The bulk-operation backfill: against the stateful stand-in, and against hand-written
fixtures in the shapes Shopify documents (bulkOperationRunQuery, node(id:) status, the
JSONL result with __parentId)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from apps.integrations.commerce.base import CommerceError, TransientCommerceError
from apps.integrations.commerce.shopify import backfill, bulk_download, documents
from apps.integrations.commerce.shopify.backfill import backfill_run
from apps.integrations.commerce.shopify.bulk import POLL_DELAYS, BulkCursor
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.errors import ShopifyBusy
from apps.integrations.commerce.shopify.lookups import OrderLookups
from apps.integrations.commerce.snapshot import order_to_info
from apps.orders.models import Order, OrderSync, OrderSyncMode, OrderSyncStatus
from standins.shopify import endpoint
from standins.shopify.build import synthetic_orders
from standins.shopify.simulator import ShopSimulator
from tests.integrations.shopify import answers
from tests.integrations.shopify.answers import ok

pytestmark = pytest.mark.django_db
ORDERS = 12
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _small_threshold(settings):  # type: ignore[no-untyped-def]
    settings.SHOPIFY_BULK_BACKFILL_THRESHOLD = 5


@pytest.fixture
def standin(shop_store, sleeps):  # type: ignore[no-untyped-def]
    sim = ShopSimulator(shop_store.domain, clock=sleeps.time, bulk_objects_per_second=10)
    synthetic_orders(sim.shop, ORDERS, now=sleeps_now(sleeps))
    with respx.mock(assert_all_called=False) as router:
        sim.mount(router)
        yield sim
    sim.bulk.cleanup()


def sleeps_now(sleeps) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.fromtimestamp(sleeps.time(), tz=UTC)


@pytest.fixture
def client(shop_store, sleeps):  # type: ignore[no-untyped-def]
    return ShopifyClient(shop_store, sleep=sleeps, clock=sleeps.time)


def _snapshot(store) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {o.platform_order_id: order_to_info(o) for o in Order.objects.filter(store=store)}


# ---------------------------------------------------------------- against the stand-in


def test_a_store_above_the_threshold_is_imported_by_one_bulk_operation(
    shop_store, standin, client, sleeps
):
    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported, sync.total_estimate) == (OrderSyncStatus.DONE, 12, 12)
    assert Order.objects.filter(store=shop_store).count() == ORDERS
    assert "OrdersPage" not in standin.operations
    assert standin.operations[:2] == ["OrdersCount", "BulkOrdersRun"]
    assert set(standin.operations[2:]) == {"BulkOperationStatus"}
    # The operation and its polls, not ~30 points an order.
    assert sync.points_used == int(standin.points) < 3 * ORDERS
    cursor = BulkCursor.of(sync)
    assert cursor is not None
    assert cursor.lines == standin.bulk.operations[cursor.operation_id].objects
    # The window is the one a paged backfill asks for.
    [run] = standin.bulk.operations.values()
    assert "created_at:>='" in run.query


def test_it_waits_for_shopify_with_growing_pauses(shop_store, standin, client, sleeps):
    standin.bulk.objects_per_second = 1  # ~80 s of Shopify's time

    backfill_run(shop_store, client=client)

    assert sleeps[:6] == [1.0, 1.0, 2.0, 4.0, 8.0, 15.0]
    assert max(sleeps) == POLL_DELAYS[-1]
    polls = standin.operations.count("BulkOperationStatus")
    assert polls == len(sleeps)  # one look after each pause, never a busy loop


def test_bulk_rows_equal_what_the_live_api_path_caches(shop_store, standin, client):
    backfill_run(shop_store, client=client)
    imported = _snapshot(shop_store)
    Order.objects.filter(store=shop_store).delete()

    lookups = OrderLookups(shop_store, client)
    for order_id in imported:
        lookups.fetch(order_id)

    assert _snapshot(shop_store) == imported
    refunded = [o for o in imported.values() if o.refunds]
    shipped = [o for o in imported.values() if o.fulfillments]
    assert refunded
    assert all(r.line_items for o in refunded for r in o.refunds)
    assert shipped
    assert all(f.line_items and f.latest_event for o in shipped for f in o.fulfillments)


def test_a_store_at_the_threshold_is_imported_page_by_page(shop_store, standin, client, settings):
    settings.SHOPIFY_BULK_BACKFILL_THRESHOLD = ORDERS

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, ORDERS)
    assert "BulkOrdersRun" not in standin.operations
    assert "OrdersPage" in standin.operations


def test_a_download_broken_off_resumes_at_its_byte_offset_without_duplicates(
    shop_store, standin, client, monkeypatch
):
    monkeypatch.setattr(bulk_download, "BATCH_ORDERS", 3)
    backfill_run_until_download(shop_store, client)
    standin.bulk.break_download_after = 9000

    with pytest.raises(TransientCommerceError):
        backfill_run(shop_store, client=client)

    sync = OrderSync.objects.get(store=shop_store)
    cursor = BulkCursor.of(sync)
    assert sync.status == OrderSyncStatus.RUNNING
    assert cursor is not None
    assert 0 < cursor.offset < 9000
    assert sync.imported == Order.objects.filter(store=shop_store).count() > 0
    assert sync.imported % 3 == 0

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, ORDERS)
    assert Order.objects.filter(store=shop_store).count() == ORDERS
    assert [d["start"] for d in standin.bulk.downloads] == [0, cursor.offset]
    assert standin.operations.count("BulkOrdersRun") == 1


def backfill_run_until_download(store, client) -> None:  # type: ignore[no-untyped-def]
    """Start the operation and let Shopify finish it, without downloading yet."""
    sync = backfill._start(store, client)
    backfill._bulk_step(store, client, sync, math.inf, backfill._BulkRun())
    client.pause(3600)


def test_without_range_support_it_skips_the_lines_already_written(
    shop_store, standin, client, monkeypatch
):
    monkeypatch.setattr(bulk_download, "BATCH_ORDERS", 2)
    standin.bulk.honour_range = False
    standin.bulk.break_download_after = 12000
    with pytest.raises(TransientCommerceError):
        backfill_run(shop_store, client=client)
    before = OrderSync.objects.get(store=shop_store).imported
    assert 0 < before < ORDERS

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, ORDERS)
    assert Order.objects.filter(store=shop_store).count() == ORDERS


def test_a_failed_operation_carries_on_with_pages(shop_store, standin, client, caplog):
    standin.bulk.fail_next = "TIMEOUT"

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, ORDERS)
    assert "OrdersPage" in standin.operations
    assert standin.bulk.downloads == []
    assert "TIMEOUT" in caplog.text
    row = OrderSync.objects.get(store=shop_store)
    assert (row.mode, row.bulk_operation_id, row.bulk_lines, row.bulk_offset) == (
        OrderSyncMode.PAGES,
        "",
        0,
        0,
    )


def test_access_denied_fails_the_backfill_and_imports_nothing(shop_store, standin, client):
    standin.bulk.fail_next = "ACCESS_DENIED"

    with pytest.raises(CommerceError):
        backfill_run(shop_store, client=client)

    sync = OrderSync.objects.get(store=shop_store)
    assert sync.status == OrderSyncStatus.FAILED
    assert "denied" in sync.last_error
    assert Order.objects.filter(store=shop_store).count() == 0
    assert "OrdersPage" not in standin.operations


def test_an_expired_result_starts_a_new_operation(shop_store, standin, client):
    backfill_run_until_download(shop_store, client)
    [first] = standin.bulk.operations.values()
    first.status = "EXPIRED"

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, ORDERS)
    assert standin.operations.count("BulkOrdersRun") == 2


def test_a_shop_running_its_limit_of_operations_is_busy_and_nothing_is_lost(
    shop_store, standin, client
):
    for _ in range(5):
        standin.bulk.run_query({"query": documents.bulk_orders_query("")})
    for operation in standin.bulk.operations.values():
        operation.status = "RUNNING"
        operation.written = None

    with pytest.raises(ShopifyBusy):
        backfill_run(shop_store, client=client)

    sync = OrderSync.objects.get(store=shop_store)
    assert sync.status == OrderSyncStatus.RUNNING
    assert BulkCursor.of(sync) == BulkCursor()
    assert Order.objects.filter(store=shop_store).count() == 0


def test_two_workers_on_one_bulk_backfill_never_both_write(shop_store, standin, client):
    backfill_run_until_download(shop_store, client)
    sync = OrderSync.objects.get(store=shop_store)
    cursor = BulkCursor.of(sync)
    assert cursor is not None
    # Another worker moved the cursor on after this one read it.
    OrderSync.objects.filter(pk=sync.pk).update(**BulkCursor(cursor.operation_id, 1, 1).columns())
    url = standin.bulk._node(standin.bulk.operations[cursor.operation_id])["url"]

    with pytest.raises(bulk_download.CursorMoved):
        bulk_download.download_step(shop_store, client, sync, cursor, url, deadline=math.inf)

    assert Order.objects.filter(store=shop_store).count() == 0


# ---------------------------------------------------------------- documented shapes


ORDER_ID = "gid://shopify/Order/2001"
OTHER_ID = "gid://shopify/Order/2002"
URL = (
    "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/"
    "bulk-operation-outputs/abc123-final?GoogleAccessId=x&Expires=1&Signature=y"
)


def _order_line(number: int, oid: int, **kwargs: Any) -> dict[str, Any]:
    """An order as a bulk line: the documented node of answers.order without its connections."""
    node = answers.order(number, oid=oid, **kwargs)
    del node["lineItems"]
    for fulfillment in node["fulfillments"]:
        del fulfillment["events"]
    return node


def _child(parent: str, **fields: Any) -> dict[str, Any]:
    return {**fields, "__parentId": parent}


def _jsonl(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def _documented_file() -> bytes:
    refund = {
        "id": "gid://shopify/Refund/91",
        "createdAt": "2026-11-10T10:00:00Z",
        "note": "Damaged",
        "totalRefundedSet": answers.money("40.00"),
    }
    first = _order_line(1001, 2001, refunds=[refund])
    fulfillment = first["fulfillments"][0]["id"]
    return _jsonl(
        first,
        _child(ORDER_ID, **answers.line_item(11, quantity=2)),
        _child(
            fulfillment,
            id="gid://shopify/FulfillmentEvent/1",
            status="IN_TRANSIT",
            message="Departed facility, Louisville KY",
            happenedAt="2026-11-03T08:00:00Z",
        ),
        _child(
            fulfillment,
            id="gid://shopify/FulfillmentEvent/2",
            status="CONFIRMED",
            message="Label created",
            happenedAt="2026-11-02T08:00:00Z",
        ),
        _child(
            fulfillment,
            id="gid://shopify/FulfillmentLineItem/61",
            quantity=2,
            lineItem={"id": "gid://shopify/LineItem/11"},
        ),
        _child(
            "gid://shopify/Refund/91",
            id="gid://shopify/RefundLineItem/71",
            quantity=1,
            lineItem={"id": "gid://shopify/LineItem/11"},
        ),
        _order_line(1002, 2002, fulfillments=[]),
        _child(OTHER_ID, **answers.line_item(21)),
    )


def _running(status: str = "RUNNING", **extra: Any) -> httpx.Response:
    node = {
        "id": "gid://shopify/BulkOperation/720918",
        "status": status,
        "errorCode": None,
        "objectCount": "3",
        "rootObjectCount": "1",
        "fileSize": None,
        "url": None,
        "createdAt": "2026-11-20T12:00:00Z",
        "completedAt": None,
    }
    return ok({"node": {**node, **extra}}, requested=1, actual=1)


@pytest.fixture
def documented(shop_store):  # type: ignore[no-untyped-def]
    shop = ShopSimulator(shop_store.domain)
    shop.on("OrdersCount", ok({"ordersCount": {"count": 2000, "precision": "EXACT"}}))
    shop.on(
        "BulkOrdersRun",
        ok(
            {
                "bulkOperationRunQuery": {
                    "bulkOperation": {
                        "id": "gid://shopify/BulkOperation/720918",
                        "status": "CREATED",
                    },
                    "userErrors": [],
                }
            },
            requested=10,
            actual=10,
        ),
    )
    body = _documented_file()
    shop.on(
        "BulkOperationStatus",
        [
            _running(),
            _running(
                "COMPLETED",
                objectCount="8",
                rootObjectCount="2",
                fileSize=str(len(body)),
                url=URL,
                completedAt="2026-11-20T12:00:09Z",
            ),
        ],
    )
    with respx.mock(assert_all_called=False) as router:
        router.post(endpoint(shop_store.domain)).mock(side_effect=shop.respond)
        router.get(URL).mock(return_value=httpx.Response(200, content=body))
        yield shop, router


def test_the_documented_jsonl_is_joined_back_into_orders_by_parent_id(
    shop_store, documented, client
):
    shop, router = documented

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, 2)
    first = order_to_info(Order.objects.get(store=shop_store, platform_order_id=ORDER_ID))
    [item] = first.line_items
    assert (item.id, item.quantity) == ("gid://shopify/LineItem/11", 2)
    [parcel] = first.fulfillments
    assert parcel.latest_event == "Departed facility, Louisville KY"  # the newest of two
    assert [(q.line_item_id, q.quantity) for q in parcel.line_items] == [(item.id, 2)]
    [refund] = first.refunds
    assert [(q.line_item_id, q.quantity) for q in refund.line_items] == [(item.id, 1)]
    second = order_to_info(Order.objects.get(store=shop_store, platform_order_id=OTHER_ID))
    assert [i.id for i in second.line_items] == ["gid://shopify/LineItem/21"]
    sent = next(c for c in shop.calls if c.operation == "BulkOrdersRun")
    assert sent.variables["query"].lstrip().startswith("{\n  orders(query: \"created_at:>='")
    download = router.calls[-1].request
    assert "X-Shopify-Access-Token" not in download.headers  # the token never leaves for it


def test_a_line_away_from_its_order_makes_that_order_read_whole(shop_store, documented, client):
    shop, router = documented
    late = _jsonl(
        _order_line(1001, 2001),
        _order_line(1002, 2002, fulfillments=[]),
        _child(ORDER_ID, **answers.line_item(11)),  # belongs to the order before
    )
    router.get(URL).mock(return_value=httpx.Response(200, content=late))
    shop.on("OrderById", ok({"order": answers.order(1001, oid=2001)}))

    sync = backfill_run(shop_store, client=client)

    assert sync.status == OrderSyncStatus.DONE
    assert [c.variables["id"] for c in shop.calls if c.operation == "OrderById"] == [ORDER_ID]
    first = order_to_info(Order.objects.get(store=shop_store, platform_order_id=ORDER_ID))
    assert [i.id for i in first.line_items] == ["gid://shopify/LineItem/1"]


def test_a_completed_operation_without_a_url_matched_no_orders(shop_store, documented, client):
    shop, _ = documented
    shop.on("BulkOperationStatus", _running("COMPLETED", objectCount="0", url=None))

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, 0)
    assert Order.objects.count() == 0


def test_a_refused_bulk_query_fails_with_shopifys_words(shop_store, documented, client):
    shop, _ = documented
    shop.on(
        "BulkOrdersRun",
        ok(
            {
                "bulkOperationRunQuery": {
                    "bulkOperation": None,
                    "userErrors": [
                        {"field": ["query"], "message": "Invalid bulk query", "code": "INVALID"}
                    ],
                }
            }
        ),
    )

    with pytest.raises(CommerceError, match="Invalid bulk query"):
        backfill_run(shop_store, client=client)

    assert OrderSync.objects.get(store=shop_store).status == OrderSyncStatus.FAILED


def test_a_line_that_is_not_json_stops_the_backfill_without_half_an_order(
    shop_store, documented, client
):
    _, router = documented
    router.get(URL).mock(
        return_value=httpx.Response(200, content=_jsonl(_order_line(1001, 2001)) + b"{oops\n")
    )

    with pytest.raises(CommerceError, match="line 2"):
        backfill_run(shop_store, client=client)

    assert Order.objects.count() == 0
    assert OrderSync.objects.get(store=shop_store).imported == 0


def test_an_expired_url_is_asked_for_again(shop_store, documented, client):
    shop, router = documented
    body = _documented_file()
    router.get(URL).mock(
        side_effect=[httpx.Response(403, text="AccessDenied"), httpx.Response(200, content=body)]
    )

    sync = backfill_run(shop_store, client=client)

    assert (sync.status, sync.imported) == (OrderSyncStatus.DONE, 2)
    assert shop.ops().count("BulkOrdersRun") == 1
