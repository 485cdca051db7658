"""Conversation reads are scoped to one store."""

from __future__ import annotations

import pytest

from apps.chat.services import message_add_customer
from apps.conversations.models import ActionStatus, AgentAction
from apps.conversations.selectors import (
    action_get,
    actions_awaiting_approval,
    conversation_actions,
    conversation_get,
    conversation_list,
    conversation_messages,
)
from apps.conversations.services import conversation_start
from apps.stores.models import Store

pytestmark = pytest.mark.django_db


def test_another_stores_conversation_is_not_found(store: Store, other_store: Store) -> None:
    mine = conversation_start(store)
    assert conversation_get(store=store, conversation_id=mine.pk) == mine
    assert conversation_get(store=other_store, conversation_id=mine.pk) is None
    assert conversation_list(store=other_store) == []
    assert conversation_list(store=store) == [mine]


def test_messages_page_forward_in_order(store: Store) -> None:
    conversation = conversation_start(store)
    first = message_add_customer(conversation, "one")
    second = message_add_customer(conversation, "two")
    assert conversation_messages(conversation=conversation) == [first, second]
    assert conversation_messages(conversation=conversation, after_id=first.pk) == [second]
    assert conversation_messages(conversation=conversation, limit=1) == [first]


def test_approvals_and_actions_stay_in_their_store(store: Store, other_store: Store) -> None:
    conversation = conversation_start(store)
    waiting = AgentAction.objects.create(
        store=store,
        conversation=conversation,
        kind="refund",
        status=ActionStatus.AWAITING_APPROVAL,
        idempotency_key="refund:test-1",
        amount="80.00",
        currency="USD",
    )
    AgentAction.objects.create(
        store=store,
        conversation=conversation,
        kind="lookup_order",
        status=ActionStatus.EXECUTED,
        idempotency_key="lookup_order:test-2",
    )
    assert list(actions_awaiting_approval(store=store)) == [waiting]
    assert list(actions_awaiting_approval(store=other_store)) == []
    assert [a.kind for a in conversation_actions(conversation=conversation)] == [
        "refund",
        "lookup_order",
    ]
    assert action_get(store=store, action_id=waiting.pk) == waiting
    assert action_get(store=other_store, action_id=waiting.pk) is None
