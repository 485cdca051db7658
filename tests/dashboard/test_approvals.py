"""Approvals, take over and hand back, on the demo store with the real agent pipeline."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.agent.pipeline import run_turn
from apps.agent.services import action_carry_out
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.conversations.services import conversation_start
from apps.dashboard.demo.tokens import mint_demo_token
from apps.orders.models import Order
from tests.dashboard.conftest import DemoMerchantClient

pytestmark = pytest.mark.django_db


def _waiting_refund(store) -> AgentAction:
    """Alex asks for a $250 refund, above the $50 limit: it waits for the merchant."""
    conversation = conversation_start(store, Channel.WEB, customer_email="alex@example.com")
    run_turn(message_add_customer(conversation, "please refund order 1011"))
    run_turn(message_add_customer(conversation, "yes"))
    action = AgentAction.objects.get(conversation=conversation, kind=ActionKind.REFUND)
    assert action.status == ActionStatus.AWAITING_APPROVAL
    return action


def _refunds(store) -> list[str]:
    return [r["amount"] for r in Order.objects.get(store=store, number=1011).refunds]


def _assistant_texts(conversation_id: int) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation_id, role=MessageRole.ASSISTANT)
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_approving_executes_the_refund_once_and_tells_the_customer(
    demo_merchant, demo_store, django_capture_on_commit_callbacks
):
    action = _waiting_refund(demo_store)
    told_before = len(_assistant_texts(action.conversation_id))

    with django_capture_on_commit_callbacks() as enqueued:
        first = demo_merchant.post(f"/app/actions/{action.pk}/approve/")
        second = demo_merchant.post(f"/app/actions/{action.pk}/approve/")

    assert first.status_code == second.status_code == 200
    # The request only recorded the decision: nothing moved yet, the card shows progress.
    assert _refunds(demo_store) == []
    assert "Executing…" in first.content.decode()
    assert f'hx-get="/app/actions/{action.pk}/"' in first.content.decode()
    assert len(enqueued) == 1  # the double click enqueued one execution
    action_carry_out(action.pk)  # the worker runs the task
    action.refresh_from_db()
    assert (action.status, action.approved_by) == (ActionStatus.EXECUTED, "demo-merchant")
    assert action.evidence
    assert _refunds(demo_store) == ["250.00"]
    assert len(_assistant_texts(action.conversation_id)) == told_before + 1
    assert "$250.00" in _assistant_texts(action.conversation_id)[-1]


def test_rejecting_refunds_nothing_and_tells_the_customer(demo_merchant, demo_store):
    action = _waiting_refund(demo_store)

    response = demo_merchant.post(f"/app/actions/{action.pk}/reject/", {"reason": "Worn item"})
    approve_after = demo_merchant.post(f"/app/actions/{action.pk}/approve/")

    assert response.status_code == approve_after.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.REJECTED
    assert action.result["reason"] == "Worn item"
    assert _refunds(demo_store) == []
    assert "Worn item" in response.content.decode()


def test_another_store_cannot_approve(demo_store, settings, rival):
    settings.DEBUG = True
    action = _waiting_refund(demo_store)

    response = rival.post(f"/app/actions/{action.pk}/approve/")

    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.AWAITING_APPROVAL
    assert _refunds(demo_store) == []


@pytest.mark.django_db(transaction=True)
def test_an_approval_raced_from_two_tabs_executes_once(demo_store, settings):
    settings.DEBUG = True
    action = _waiting_refund(demo_store)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def approve() -> None:
        client = DemoMerchantClient(demo_store)
        start.wait()
        try:
            statuses.append(client.post(f"/app/actions/{action.pk}/approve/").status_code)
        finally:
            connection.close()

    tabs = [threading.Thread(target=approve) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=60)
    workers = [threading.Thread(target=_carry_out, args=(action.pk,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert statuses == [200, 200]
    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTED
    assert _refunds(demo_store) == ["250.00"]
    assert Order.objects.get(store=demo_store, number=1011).total_refunded == Decimal("250.00")
    approvals_told = [t for t in _assistant_texts(action.conversation_id) if "$250.00" in t]
    assert len([t for t in approvals_told if "approved" in t.lower()]) == 1


def test_the_card_of_an_approved_action_polls_until_the_outcome_is_in(demo_merchant, demo_store):
    action = _waiting_refund(demo_store)
    demo_merchant.post(f"/app/actions/{action.pk}/approve/")

    polling = demo_merchant.get(f"/app/actions/{action.pk}/")
    action_carry_out(action.pk)
    finished = demo_merchant.get(f"/app/actions/{action.pk}/")

    assert polling.status_code == finished.status_code == 200
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert "Executing…" in polling.content.decode()
    # Done: the whole panel replaces the card, with what the customer was told.
    assert finished["HX-Retarget"] == "#conversation-panel"
    body = finished.content.decode()
    assert 'data-status="executed"' in body
    assert 'hx-trigger="every 2s"' not in body  # the card stops polling
    assert "approved your request to refund $250.00" in body


def test_another_store_cannot_read_an_actions_progress(demo_store, settings, rival):
    settings.DEBUG = True
    action = _waiting_refund(demo_store)

    assert rival.get(f"/app/actions/{action.pk}/").status_code == 404


def _carry_out(action_id: int) -> None:
    """A worker running the execution task (twice here: a redelivery)."""
    try:
        action_carry_out(action_id)
    finally:
        connection.close()


def test_take_over_silences_the_ai_and_hand_back_brings_it_back(demo_merchant, demo_store):
    conversation = conversation_start(demo_store, Channel.WEB, customer_email="jane@example.com")
    run_turn(message_add_customer(conversation, "Hi"))

    taken = demo_merchant.post(f"/app/conversations/{conversation.pk}/take-over/")
    silent = run_turn(message_add_customer(conversation, "Where is my order #1001?"))

    assert taken.status_code == 200
    assert "Hand back to Aftersale" in taken.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.HUMAN_HANDLING
    assert silent.reply is None

    back = demo_merchant.post(f"/app/conversations/{conversation.pk}/hand-back/")
    answered = run_turn(message_add_customer(conversation, "Where is my order #1001?"))

    assert back.status_code == 200
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.AI_HANDLING
    assert answered.reply is not None
    assert "1Z999AA10123456784" in answered.reply.text


def test_take_over_and_hand_back_are_idempotent_and_leave_resolved_alone(demo_merchant, demo_store):
    conversation = conversation_start(demo_store, Channel.WEB)
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.RESOLVED)

    demo_merchant.post(f"/app/conversations/{conversation.pk}/take-over/")
    demo_merchant.post(f"/app/conversations/{conversation.pk}/hand-back/")

    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.RESOLVED


def test_another_store_cannot_take_over(demo_store, settings, rival):
    conversation = conversation_start(demo_store, Channel.WEB)
    before = Conversation.objects.get(pk=conversation.pk).status

    assert rival.post(f"/app/conversations/{conversation.pk}/take-over/").status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).status == before


def test_a_demo_token_cannot_reach_another_stores_conversation(demo_store, shop, settings):
    settings.DEBUG = True
    other = Conversation.objects.create(store=shop, customer_email="private@example.com")
    token = mint_demo_token(demo_store)
    from django.test import Client

    response = Client().get(
        f"/app/conversations/{other.pk}/", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 404
    assert b"private@example.com" not in response.content


def _asks_for_refund(store, text: str) -> AgentAction:
    conversation = conversation_start(store, Channel.WEB, customer_email="alex@example.com")
    run_turn(message_add_customer(conversation, text))
    run_turn(message_add_customer(conversation, "yes"))
    return AgentAction.objects.get(conversation=conversation, kind=ActionKind.REFUND)


def test_two_chats_asking_about_one_order_each_get_a_badge_and_an_answer(demo_merchant, demo_store):
    first = _asks_for_refund(demo_store, "please refund 60 dollars on order 1011")
    second = _asks_for_refund(demo_store, "please refund 70 dollars on order 1011")
    assert first.conversation_id != second.conversation_id
    assert first.status == second.status == ActionStatus.AWAITING_APPROVAL

    inbox = demo_merchant.get("/app/conversations/", {"needs_approval": "on"}).content.decode()
    for action in (first, second):
        row = inbox.split(f'data-conversation="{action.conversation_id}"', 1)[1].split("</tr>")[0]
        assert "1 awaiting approval" in row

    told = {a.pk: len(_assistant_texts(a.conversation_id)) for a in (first, second)}
    demo_merchant.post(f"/app/actions/{first.pk}/approve/")
    action_carry_out(first.pk)  # the worker runs the approved execution
    demo_merchant.post(f"/app/actions/{second.pk}/reject/", {"reason": "one refund is enough"})

    # Each conversation hears about its own request, and only about its own.
    first_news = _assistant_texts(first.conversation_id)[told[first.pk] :]
    second_news = _assistant_texts(second.conversation_id)[told[second.pk] :]
    assert len(first_news) == len(second_news) == 1
    assert "$60.00" in first_news[0]
    assert "approved" in first_news[0]
    assert "$70.00" in second_news[0]
    assert "approved" not in second_news[0]
    assert _refunds(demo_store) == ["60.00"]
