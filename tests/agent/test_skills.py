"""Each skill against the seeded demo store: happy paths and the ways they say no."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from apps.conversations.models import ActionKind, ActionStatus, AgentAction, ConversationStatus
from apps.integrations.models import DemoReturn
from apps.orders.models import Order
from apps.stores.models import KnowledgeEntry, Store, StoreSettings
from tests.agent.conftest import Chat

pytestmark = pytest.mark.django_db

JANE, SAM, PRIYA, ALEX = (
    "jane@example.com",
    "sam@example.com",
    "priya@example.com",
    "alex@example.com",
)


def kinds(result: object) -> list[tuple[str, str]]:
    return [(a.kind, a.status) for a in result.actions]  # type: ignore[attr-defined]


def order(store: Store, number: int) -> Order:
    return Order.objects.get(store=store, number=number)


# ---------------------------------------------------------------- order status


def test_order_status_in_transit_gives_carrier_tracking_link_event_and_estimate(
    chat: Callable[..., Chat],
) -> None:
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert "UPS" in text
    assert "1Z999AA10123456784" in text
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in text
    assert "Departed facility, Louisville KY" in text
    assert "Estimated delivery" in text
    assert "<" not in text


@pytest.mark.parametrize(
    ("email", "number", "expected"),
    [
        (JANE, 1003, "hasn't shipped yet"),
        (JANE, 1002, "delivered on"),
        (SAM, 1005, "Not shipped yet: 2 x Water Bottle"),
        (SAM, 1006, "cancelled on"),
        (ALEX, 1012, "label created"),
    ],
    ids=["unfulfilled_case", "delivered_case", "partial_case", "cancelled_case", "label_case"],
)
def test_order_status_says_where_each_kind_of_order_is(
    chat: Callable[..., Chat], email: str, number: int, expected: str
) -> None:
    result = chat(email=email)(f"status of order {number}")
    assert expected in result.reply.text
    assert f"#{number}" in result.reply.text


# ---------------------------------------------------------------- returns


def test_a_return_is_proposed_then_opened_on_yes(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=JANE)
    proposed = c("I'd like to return order 1002")
    assert "Everyday T-Shirt and Canvas Cap" in proposed.reply.text
    assert proposed.reply.text.endswith("(yes/no)")
    assert not DemoReturn.objects.filter(store=demo_store).exists()

    done = c("yes please")

    assert (ActionKind.CREATE_RETURN, ActionStatus.EXECUTED) in kinds(done)
    action = AgentAction.objects.get(kind=ActionKind.CREATE_RETURN)
    assert action.evidence  # the platform's response, kept for a dispute
    assert action.result["return_id"] in done.reply.text
    assert DemoReturn.objects.filter(store=demo_store).count() == 1


def test_a_return_outside_the_window_is_declined_with_the_rule(chat: Callable[..., Chat]) -> None:
    result = chat(email=SAM)("can I return order 1004?")
    assert "30-day return window" in result.reply.text
    assert kinds(result) == [(ActionKind.LOOKUP_ORDER, ActionStatus.EXECUTED)]


def test_final_sale_items_are_left_out_of_a_return(chat: Callable[..., Chat]) -> None:
    c = chat(email=PRIYA)
    proposed = c("I want to return order 1009")
    assert "Leather Wallet is final sale" in proposed.reply.text
    assert "return for Everyday T-Shirt?" in proposed.reply.text
    only_wallet = chat(email=PRIYA)("I want to return the wallet from order 1009")
    assert "final sale" in only_wallet.reply.text
    assert "(yes/no)" not in only_wallet.reply.text


def test_a_no_drops_the_proposal_and_nothing_happens(chat: Callable[..., Chat]) -> None:
    c = chat(email=JANE)
    c("return order 1002")
    dropped = c("no thanks")
    assert "won't" in dropped.reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.CREATE_RETURN).exists()
    c("yes")  # a late yes no longer refers to the dropped proposal
    assert not AgentAction.objects.filter(kind=ActionKind.CREATE_RETURN).exists()


# ---------------------------------------------------------------- refunds


def test_a_refund_under_the_limit_is_executed_after_a_yes(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=JANE)
    proposed = c("I want a refund for order 1002")
    assert "$45.00" in proposed.reply.text
    assert order(demo_store, 1002).total_refunded == Decimal("0")

    done = c("yes")

    refund = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert (refund.status, refund.amount, refund.currency) == ("executed", Decimal("45.00"), "USD")
    assert refund.policy_version == StoreSettings.objects.get(store=demo_store).version
    assert "auto-approve" in refund.policy_reason
    assert refund.evidence
    assert "refunded $45.00" in done.reply.text
    assert order(demo_store, 1002).total_refunded == Decimal("45.00")


def test_a_refund_above_the_limit_waits_for_the_merchant(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=ALEX)
    proposed = c("please refund order 1011")
    assert "$250.00" in proposed.reply.text
    assert "approval" in proposed.reply.text

    waiting = c("yes")

    refund = AgentAction.objects.get(kind=ActionKind.REFUND)
    assert (refund.status, refund.amount) == (ActionStatus.AWAITING_APPROVAL, Decimal("250.00"))
    assert "approval" in waiting.reply.text
    assert "refunded" not in waiting.reply.text
    assert order(demo_store, 1011).total_refunded == Decimal("0")


def test_an_already_refunded_order_gets_no_second_refund(chat: Callable[..., Chat]) -> None:
    result = chat(email=PRIYA)("I want my money back for order 1007")
    assert "already been refunded: $75.00" in result.reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.REFUND).exists()


def test_a_partially_refunded_order_offers_only_what_is_left(chat: Callable[..., Chat]) -> None:
    result = chat(email=PRIYA)("refund order 1008")
    assert "$80.00" in result.reply.text
    assert "$110.00" not in result.reply.text


def test_a_refund_for_an_unshipped_order_offers_a_cancellation(chat: Callable[..., Chat]) -> None:
    c = chat(email=JANE)
    offered = c("I want a refund for order 1003")
    assert "Shall I cancel order #1003?" in offered.reply.text
    c("yes")
    assert AgentAction.objects.get(kind=ActionKind.CANCEL_ORDER).status == ActionStatus.EXECUTED


def test_refund_status_reports_platform_refunds_and_waiting_requests(
    chat: Callable[..., Chat],
) -> None:
    assert "$30.00" in chat(email=PRIYA)("where is my refund for order 1008?").reply.text
    c = chat(email=ALEX)
    c("refund order 1011")
    c("yes")
    status = c("has my refund for order 1011 been processed?")
    assert "waiting for approval" in status.reply.text
    nothing = chat(email=JANE)("did you refund order 1001 yet?")
    assert "don't see any refunds" in nothing.reply.text


# ---------------------------------------------------------------- cancel / address / changes


def test_cancel_within_the_window_cancels_after_a_yes(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=JANE)
    assert "Shall I cancel order #1003?" in c("please cancel order 1003").reply.text
    done = c("yes")
    assert "is cancelled" in done.reply.text
    assert order(demo_store, 1003).cancelled_at is not None


@pytest.mark.parametrize(
    ("email", "number", "expected"),
    [(ALEX, 1010, "within 12 hours"), (JANE, 1001, "already shipped")],
    ids=["window_case", "shipped_case"],
)
def test_cancel_is_declined_outside_the_rules(
    chat: Callable[..., Chat], demo_store: Store, email: str, number: int, expected: str
) -> None:
    result = chat(email=email)(f"cancel order {number}")
    assert expected in result.reply.text
    assert order(demo_store, number).cancelled_at is None
    assert not AgentAction.objects.filter(kind=ActionKind.CANCEL_ORDER).exists()


def test_an_address_change_asks_reads_confirms_and_updates(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=JANE)
    asked = c("I need to change the shipping address on order 1003")
    assert "new shipping address" in asked.reply.text
    proposed = c("45 Oak Ave, Apt 2, Springfield, IL 62704, US")
    assert "45 Oak Ave" in proposed.reply.text
    assert proposed.reply.text.endswith("(yes/no)")

    done = c("yes")

    assert "45 Oak Ave" in done.reply.text
    address = order(demo_store, 1003).shipping_address
    assert (address["address1"], address["zip"], address["name"]) == (
        "45 Oak Ave",
        "62704",
        "Jane Doe",
    )


def test_an_address_that_cannot_be_read_is_asked_again(chat: Callable[..., Chat]) -> None:
    c = chat(email=JANE)
    c("change the delivery address of order 1003")
    again = c("somewhere near the park")
    assert "couldn't read that as an address" in again.reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.CHANGE_ADDRESS).exists()


def test_address_changes_follow_the_merchants_setting(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    StoreSettings.objects.filter(store=demo_store).update(allow_address_changes=False)
    result = chat(email=JANE)("change the shipping address of order 1003")
    assert "does not change shipping addresses" in result.reply.text or "can't" in result.reply.text
    assert "new shipping address" not in result.reply.text


def test_an_address_given_with_the_request_is_proposed_at_once(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    c = chat(email=JANE)
    proposed = c("change the shipping address of order 1003 to 9 Pine Rd, Evanston, IL 60201")
    assert "9 Pine Rd" in proposed.reply.text
    c("yes")
    assert order(demo_store, 1003).shipping_address["city"] == "Evanston"


def test_a_note_is_added_to_an_unshipped_order_at_once(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    result = chat(email=JANE)("for order 1003 please add a note: leave it with my neighbour")
    assert (ActionKind.ADD_ORDER_NOTE, ActionStatus.EXECUTED) in kinds(result)
    assert "leave it with my neighbour" in result.reply.text
    assert "leave it with my neighbour" in order(demo_store, 1003).note


def test_a_note_without_text_is_asked_for(chat: Callable[..., Chat], demo_store: Store) -> None:
    c = chat(email=JANE)
    asked = c("can you add a gift message to order 1003?")
    assert "What would you like the note" in asked.reply.text
    c("Happy birthday, Sam!")
    assert "Happy birthday, Sam!" in order(demo_store, 1003).note


def test_no_note_is_added_to_a_shipped_order(chat: Callable[..., Chat], demo_store: Store) -> None:
    before = order(demo_store, 1001).note
    result = chat(email=JANE)("please add a note to order 1001: ring the bell twice")
    assert "already shipped" in result.reply.text
    assert order(demo_store, 1001).note == before
    assert not AgentAction.objects.filter(kind=ActionKind.ADD_ORDER_NOTE).exists()


def test_item_changes_go_to_people_before_shipping(chat: Callable[..., Chat]) -> None:
    result = chat(email=JANE)("can I change the size on order 1003 to a large?")
    assert result.escalated
    assert "our team" in result.reply.text


# ---------------------------------------------------------------- catalogue and knowledge


def test_product_questions_answer_price_variants_and_stock(chat: Callable[..., Chat]) -> None:
    text = chat()("do you have the classic hoodie in XL?").reply.text
    assert "Classic Hoodie: $65.00" in text
    assert "XL: out of stock" in text
    listed = chat()("how much is the rain jacket?").reply.text
    assert "$110.00 to $130.00" in listed
    assert "S is out of stock" in listed


def test_an_unknown_product_is_not_invented(chat: Callable[..., Chat]) -> None:
    result = chat()("do you have trampolines in stock?")
    assert result.intent == "product_question"
    assert "couldn't find" in result.reply.text
    assert "$" not in result.reply.text


def test_policy_questions_are_answered_from_the_stores_own_entries(
    chat: Callable[..., Chat],
) -> None:
    text = chat()("how long does shipping take?").reply.text
    assert "standard 3-5 business days" in text
    warranty = chat()("is there a warranty on the jackets?").reply.text
    assert "1-year warranty" in warranty


def test_an_unknown_policy_is_admitted_and_a_person_offered(chat: Callable[..., Chat]) -> None:
    c = chat()
    unknown = c("do you offer price matching with other stores?")
    assert "don't have information" in unknown.reply.text
    handed = c("yes")
    assert handed.escalated
    assert kinds(handed) == [(ActionKind.ESCALATE, ActionStatus.EXECUTED)]


def test_knowledge_comes_only_from_this_store(chat: Callable[..., Chat], demo_store: Store) -> None:
    KnowledgeEntry.objects.filter(store=demo_store).delete()
    result = chat()("what is your shipping policy?")
    assert "don't have information" in result.reply.text


# ---------------------------------------------------------------- conversation skills


def test_greeting_uses_the_merchants_agent_name_and_tone(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    assert "I'm Ava from Northwind Outfitters" in chat()("hello!").reply.text
    StoreSettings.objects.filter(store=demo_store).update(agent_name="Max", tone="formal")
    assert "I am Max" in chat()("hi").reply.text


def test_a_request_for_a_person_hands_over_at_once(
    chat: Callable[..., Chat],
) -> None:
    c = chat()
    result = c("can I talk to a real person please")
    assert result.escalated
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    assert c.conversation.status == ConversationStatus.ESCALATED  # type: ignore[attr-defined]
    again = c("hello? a human please")
    assert not again.escalated
    assert "already has this conversation" in again.reply.text


def test_repeated_misunderstanding_hands_over(chat: Callable[..., Chat]) -> None:
    c = chat()
    first, second = c("blorp zzzz"), c("qwfp arst")
    assert not first.escalated
    assert "connect you" in second.reply.text
    third = c("xkcd vvvv")
    assert third.escalated


def test_payment_trouble_goes_to_people(chat: Callable[..., Chat]) -> None:
    result = chat()("I was charged twice for my order")
    assert result.intent == "payment_issue"
    assert result.escalated


def test_a_payment_question_the_faq_answers_is_answered(chat: Callable[..., Chat]) -> None:
    result = chat(email=JANE)("apply discount code SAVE20 to my order 1003")
    assert "cannot be applied after the order has been placed" in result.reply.text
    assert "SAVE20" not in result.reply.text
    assert not AgentAction.objects.filter(kind=ActionKind.REFUND).exists()


def test_a_complaint_is_acknowledged_and_a_person_offered(chat: Callable[..., Chat]) -> None:
    c = chat()
    result = c("this is the worst service I have ever had, really disappointed")
    assert result.intent == "complaint"
    assert "sorry" in result.reply.text.lower()
    assert not result.escalated
    declined = c("no")
    assert not declined.escalated


def test_intents_the_merchant_reserves_for_people_skip_the_agent(
    chat: Callable[..., Chat], demo_store: Store
) -> None:
    StoreSettings.objects.filter(store=demo_store).update(always_human_intents=["cancel_order"])
    result = chat(email=JANE)("cancel order 1003")
    assert result.escalated
    assert order(demo_store, 1003).cancelled_at is None
    assert kinds(result) == [(ActionKind.ESCALATE, ActionStatus.EXECUTED)]
