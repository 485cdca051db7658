"""One gid() for every Shopify path: GraphQL nodes, REST webhooks and privacy requests."""

from __future__ import annotations

import pytest

from apps.integrations.commerce.shopify.ids import gid, gid_number, gid_tail


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (450789469, "gid://shopify/Order/450789469"),  # a REST payload's integer id
        ("450789469", "gid://shopify/Order/450789469"),  # a number typed or stored as text
        (" 450789469 ", "gid://shopify/Order/450789469"),
        ("gid://shopify/Order/450789469", "gid://shopify/Order/450789469"),  # already a gid
        (None, ""),
        ("", ""),
        ("#1001", ""),  # not an id: never a made-up gid
        ("1; drop", ""),
    ],
)
def test_gid_builds_one_form_whatever_the_input(value, expected):  # type: ignore[no-untyped-def]
    assert gid("Order", value) == expected


def test_the_number_comes_back_out_of_a_gid():
    assert gid_tail("gid://shopify/Customer/207119551") == "207119551"
    assert gid_number("gid://shopify/Customer/207119551") == 207119551
    assert gid_tail("gid://shopify/Customer/") == ""
    assert gid_number("not-a-gid") is None
