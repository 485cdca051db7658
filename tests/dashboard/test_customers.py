"""Who the customer is (verified facts only) and finding them in the inbox."""

from __future__ import annotations

import re

import pytest

from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Conversation
from apps.dashboard.selectors.customers import customer_identity
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-conversation="(\d+)"')


def _web(store, **fields):
    return Conversation.objects.create(store=store, channel="web", **fields)


def _order(store, **fields):
    defaults = {
        "email": "jane@example.com",
        "phone": "+1 555 010 1234",
        "customer_name": "Jane Doe",
    }
    return OrderFactory(store=store, **{**defaults, **fields})


def test_a_shopper_who_proved_an_order_is_that_orders_customer(shop):
    order = _order(shop, number=1001)
    conversation = _web(shop, customer_email="typed@example.com", order_in_focus=order)

    who = customer_identity(conversation)

    assert (who.label, who.email, who.phone) == ("Jane Doe", "jane@example.com", "+1 555 010 1234")
    assert who.verified_by == "Owns order #1001"


def test_a_typed_email_proves_nothing_and_is_not_shown(shop):
    who = customer_identity(_web(shop, customer_email="claims-to-be@example.com"))

    assert (who.label, who.email, who.verified_by) == ("Visitor", "", "")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"channel": "email", "customer_email": "a@example.com"}, ("a@example.com", "")),
        ({"channel": "sms", "customer_phone": "+15550101234"}, ("", "+15550101234")),
    ],
)
def test_sms_and_email_senders_are_their_own_address(shop, fields, expected):
    who = customer_identity(Conversation.objects.create(store=shop, **fields))

    assert (who.email, who.phone) == expected
    assert who.verified_by.startswith("Not yet: wrote from this")


def test_a_logged_in_customer_is_verified_by_shopify(shop):
    conversation = _web(shop, customer_platform_id="gid://1", customer_verified=True)

    assert customer_identity(conversation).verified_by == "Logged-in customer"


def test_the_conversation_page_shows_the_verified_customer(merchant, shop):
    conversation = _web(shop, order_in_focus=_order(shop, number=1001))

    html = merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()

    assert "<h1>Jane Doe</h1>" in html
    assert "jane@example.com" in html
    assert "Owns order #1001" in html


@pytest.fixture
def inbox(shop, other_shop):
    """Conversations found by a verified order (in focus, or acted on earlier), by a sender
    address, one with only a typed claim, and another store's with the same customer."""
    jane = _order(shop, number=1001)
    bob = _order(shop, number=1002, email="bob@example.com", phone="", customer_name="Bob Roe")
    rows = {
        "focus": _web(shop, order_in_focus=jane),
        "acted": _web(shop),
        "email": Conversation.objects.create(
            store=shop, channel="email", customer_email="jane@example.com"
        ),
        "claim": _web(shop, customer_email="jane@example.com"),
        "bob": _web(shop, order_in_focus=bob),
        "rival": _web(other_shop, order_in_focus=_order(other_shop, number=1001)),
    }
    AgentAction.objects.create(
        store=shop,
        conversation=rows["acted"],
        order=jane,
        kind=ActionKind.LOOKUP_ORDER,
        status=ActionStatus.EXECUTED,
        idempotency_key="lookup:acted",
    )
    return rows


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("jane@example.com", {"focus", "acted", "email"}),
        ("  JANE@example.com ", {"focus", "acted", "email"}),
        ("#1001", {"focus", "acted"}),
        ("1002", {"bob"}),
        ("jane doe", {"focus", "acted"}),
        ("Roe", {"bob"}),
        ("(555) 010-1234", {"focus", "acted"}),
        ("nobody@example.com", set()),
    ],
)
def test_the_inbox_is_searched_by_verified_email_order_number_phone_and_name(
    merchant, inbox, search, expected
):
    response = merchant.get("/app/conversations/", {"search": search})

    found = {int(pk) for pk in ROW.findall(response.content.decode())}
    assert found == {inbox[k].pk for k in expected}


def test_a_search_that_is_too_long_is_refused_and_filters_nothing(merchant, inbox):
    response = merchant.get("/app/conversations/", {"search": "x" * 201})

    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
