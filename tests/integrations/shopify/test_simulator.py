"""The stand-in itself: it must refuse what Shopify refuses, or the contract proves little."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from apps.integrations.commerce.shopify import documents
from standins.shopify import search
from standins.shopify.build import demo_shop
from standins.shopify.simulator import ShopSimulator

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> ShopSimulator:
    shop = ShopSimulator("standin.myshopify.com", clock=lambda: NOW.timestamp())
    demo_shop(shop.shop, NOW)
    return shop


def _body(op: documents.Operation, **variables: object) -> dict[str, object]:
    return {"query": op.document, "operationName": op.name, "variables": variables}


def test_only_documented_operations_are_answered(sim: ShopSimulator) -> None:
    altered = _body(documents.SHOP_POLICIES)
    altered["query"] = str(altered["query"]).replace("body", "body url")

    for body in (altered, {"query": "{ shop { name } }", "operationName": "Mine"}):
        answer = sim.handle(body)
        assert answer["errors"][0]["extensions"]["code"] == "undefinedField"
        assert "data" not in answer


def test_answers_carry_only_the_fields_asked_for_and_their_cost(sim: ShopSimulator) -> None:
    answer = sim.handle(_body(documents.ORDER_NOTE, id="gid://shopify/Order/10001001"))

    assert answer["data"] == {"order": {"id": "gid://shopify/Order/10001001", "note": None}}
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (1, 1)
    assert cost["throttleStatus"]["currentlyAvailable"] == 999.0


def test_an_empty_bucket_throttles_with_http_200_and_changes_nothing(sim: ShopSimulator) -> None:
    sim._available = 10.0
    variables = {"id": "gid://shopify/Order/10001001", **documents.LIVE.variables()}

    answer = sim.handle(_body(documents.ORDER_BY_ID, **variables))

    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert answer["extensions"]["cost"]["actualQueryCost"] is None
    assert (sim.throttled, sim.points) == (1, 0.0)


def test_a_refused_refund_changes_nothing(sim: ShopSimulator) -> None:
    order = sim.shop.orders["gid://shopify/Order/10001002"]
    refund_input = {
        "orderId": order.id,
        "transactions": [
            {"orderId": order.id, "parentId": order.sale_transaction_id, "amount": "45.01"}
        ],
    }

    answer = sim.handle(_body(documents.REFUND_CREATE, input=refund_input, idempotencyKey="k1"))

    payload = answer["data"]["refundCreate"]
    assert payload["refund"] is None
    assert payload["userErrors"][0]["field"] == ["transactions", "0", "amount"]
    assert order.refunds == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name:#1001", ["#1001"]),
        ("name:1001 OR name:1002", ["#1001", "#1002"]),
        ('email:"jane@example.com" -name:1003', ["#1001", "#1002"]),
        ("customer_id:4 AND NOT name:1011", ["#1010", "#1012"]),
        ('email:"jane@example.com\\" or name:*"', []),
    ],
)
def test_the_order_search_syntax(sim: ShopSimulator, query: str, expected: list[str]) -> None:
    found = sorted(o.name for o in sim.shop.find_orders(query))
    assert found == expected


def test_lower_case_or_is_a_word_and_a_trailing_star_a_prefix() -> None:
    assert search.parse_query("a or b")[0] == "and"
    term = search.parse_query("hood*")[1]
    assert (term.value, term.prefix) == ("hood", True)


def _request(op: documents.Operation, **variables: object) -> httpx.Request:
    return httpx.Request(
        "POST",
        "https://standin.myshopify.com/admin/api/2026-10/graphql.json",
        json=_body(op, **variables),
        headers={"X-Shopify-Access-Token": "shpat_x"},
    )


def test_a_scripted_operation_is_answered_by_its_script_in_order_the_last_repeating(
    sim: ShopSimulator,
) -> None:
    note = documents.ORDER_NOTE
    sim.on(note.name, httpx.Response(503), {"order": None}, lambda v: {"order": {"id": v["id"]}})

    statuses = [sim.respond(_request(note, id=f"gid://shopify/Order/{n}")) for n in (1, 2, 3, 4)]

    assert [r.status_code for r in statuses] == [503, 200, 200, 200]
    assert [r.json()["data"] for r in statuses[1:]] == [
        {"order": None},
        {"order": {"id": "gid://shopify/Order/3"}},
        {"order": {"id": "gid://shopify/Order/4"}},
    ]
    assert sim.ops() == [note.name] * 4
    assert sim.sent(note.name)[0] == {"id": "gid://shopify/Order/1"}
    assert sim.calls[0].headers["X-Shopify-Access-Token"] == "shpat_x"
    assert sim.requests == 0  # the shop itself was never asked


def test_an_unscripted_operation_is_answered_by_the_shop_and_a_scripted_error_is_raised(
    sim: ShopSimulator,
) -> None:
    sim.on(documents.SHOP_POLICIES.name, httpx.ReadTimeout("slow"))

    answer = sim.respond(_request(documents.ORDER_NOTE, id="gid://shopify/Order/10001001"))
    with pytest.raises(httpx.ReadTimeout):
        sim.respond(_request(documents.SHOP_POLICIES))

    assert answer.json()["data"] == {"order": {"id": "gid://shopify/Order/10001001", "note": None}}
    assert sim.ops() == [documents.ORDER_NOTE.name, documents.SHOP_POLICIES.name]
