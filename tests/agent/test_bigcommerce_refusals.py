"""A refund the store's gateway cannot make, on BigCommerce: the customer is told plainly
that nothing was refunded, a person takes over, nothing is recorded as refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest
import respx
from django.utils import timezone

from apps.agent.pipeline import run_turn
from apps.chat.services import message_add_customer
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Channel
from apps.conversations.services import conversation_start
from apps.orders.models import Order
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.demo import demo_bigcommerce_store

pytestmark = pytest.mark.django_db


def test_a_gateway_that_cannot_refund_gets_a_clear_answer_and_a_person():
    standin = BigCommerceStandIn("gateway1", token="bc_gateway")
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        store = demo_bigcommerce_store(standin, timezone.now())
        standin.state.orders[1002].gateway_refunds_online = False
        conversation = conversation_start(store=store, channel=Channel.WEB)
        replies = []
        for text in ("refund $10 on order 1002 jane@example.com", "yes"):
            result = run_turn(message_add_customer(conversation, text))
            replies.append(result.reply.text if result.reply else "")

    refund = AgentAction.objects.get(conversation=conversation, kind=ActionKind.REFUND)
    assert refund.status == ActionStatus.FAILED
    assert refund.evidence["code"] == "gateway_cannot_refund"
    assert "nothing was changed" in replies[-1]
    assert "can't confirm" not in replies[-1]
    assert result.escalated
    assert standin.state.orders[1002].refunds == []
    order = Order.objects.get(store=store, number=1002)
    assert order.total_refunded == Decimal("0")
