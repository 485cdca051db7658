"""Order numbers in the ways customers write them, and numbers that are not order numbers."""

from __future__ import annotations

import pytest

from apps.agent.understanding.entities import extract


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("where is my order #1001", ("1001",), id="hash"),
        pytest.param("# 1001 please", ("1001",), id="hash-space"),
        pytest.param("1001", ("1001",), id="bare-answer"),
        pytest.param("it's 1043 thanks", ("1043",), id="bare-answer-with-filler"),
        pytest.param("2023", ("2023",), id="bare-answer-looks-like-a-year"),
        pytest.param("order 1001 hasn't arrived", ("1001",), id="order-space"),
        pytest.param("Order no. 1001", ("1001",), id="order-no-dot"),
        pytest.param("my order number is 1001", ("1001",), id="order-number-is"),
        pytest.param("order nr 1036 where is it", ("1036",), id="order-nr"),
        pytest.param("order id: 1036", ("1036",), id="order-id-colon"),
        pytest.param("Order #: 1036", ("1036",), id="order-hash-colon"),
        pytest.param("ord1001", ("1001",), id="ord-glued"),
        pytest.param("no1001", ("1001",), id="no-glued"),
        pytest.param("nº 1001", ("1001",), id="numero-sign"),
        pytest.param("cancel #SO-1001", ("1001",), id="hash-prefix-dash"),
        pytest.param("order SO1001 please", ("1001",), id="order-prefix"),
        pytest.param("orders 1001, 1002 and 1003", ("1001", "1002", "1003"), id="list"),
        pytest.param("#1001 and #1002 both late", ("1001", "1002"), id="two-hashes"),
        pytest.param("1001 1002 1003", ("1001", "1002", "1003"), id="bare-list"),
        pytest.param("purchase #1059 not received", ("1059",), id="purchase"),
        pytest.param("my package from order 0001042 is late", ("1042",), id="leading-zeros"),
        pytest.param("I ordered boots and they never came, 1043", ("1043",), id="bare-in-context"),
        pytest.param("my phone is 5551234567 order 1004", ("1004",), id="beside-a-phone"),
        pytest.param("(order:1001)", ("1001",), id="colon-in-brackets"),
        pytest.param("ORDER1001", ("1001",), id="shouted-glued"),
        pytest.param("Order No: 1001.", ("1001",), id="order-no-colon"),
        pytest.param("conf #1001", ("1001",), id="confirmation-number"),
        pytest.param("my order number is SO-1044", ("1044",), id="prefix-after-is"),
        pytest.param("pedido 1001", ("1001",), id="spanish"),
        pytest.param("where is 1005", ("1005",), id="where-is-number"),
        pytest.param("any update on 1043?", ("1043",), id="update-on-number"),
        pytest.param("status of 1002 please", ("1002",), id="status-of-number"),
    ],
)
def test_it_reads_order_numbers(text: str, expected: tuple[str, ...]) -> None:
    assert extract(text).entities.order_numbers == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("call me on 555-123-4567", id="us-phone"),
        pytest.param("+44 7700 900123", id="intl-phone"),
        pytest.param("07700 900123", id="uk-phone-alone"),
        pytest.param("I want to order 100 mugs for my office", id="quantity-after-order"),
        pytest.param("I ordered in 2023 and it never arrived", id="year"),
        pytest.param("refund $1001 please", id="amount"),
        pytest.param("I live at 4521 Oak Avenue", id="street-number"),
        pytest.param("my zip is 90210, order not here", id="zip-code"),
        pytest.param("Springfield IL 62704, package missing", id="state-zip"),
        pytest.param("it arrived on 12/03/2024, order broken", id="date"),
        pytest.param("the package weighs 1500 g", id="measure"),
        pytest.param("tracking 1Z999AA10123456784", id="ups-tracking"),
        pytest.param("my card 4111 1111 1111 1111 was charged", id="card-number"),
        pytest.param("do you have this in size 10", id="size"),
        pytest.param("what colour is #FF0000", id="hex-colour"),
        pytest.param("I need 2 shirts", id="small-quantity"),
        pytest.param("is it 100% cotton", id="percent"),
        pytest.param("it took 1000 days lol", id="duration-without-order-context"),
        pytest.param("do you ship to 90210", id="ship-to-zip"),
        pytest.param("what's the delivery time to zip 10001", id="zip-after-delivery"),
        pytest.param("", id="empty"),
    ],
)
def test_it_does_not_mistake_other_numbers_for_orders(text: str) -> None:
    assert extract(text).entities.order_numbers == ()


def test_an_email_beside_an_order_number_is_read_too() -> None:
    entities = extract("order number is 1001 and my email is Jane.Doe@Example.com").entities
    assert entities.order_numbers == ("1001",)
    assert entities.emails == ("jane.doe@example.com",)
