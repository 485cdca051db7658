"""BigCommerce down during a customer's turn: retried while the customer sees us working,
then an honest answer and a person; never a made-up status."""

from __future__ import annotations

import pytest
import respx
from django.utils import timezone

from apps.agent import tasks
from apps.chat.services import message_add_customer
from apps.conversations.models import Channel, ConversationStatus, MessageRole
from apps.conversations.services import conversation_start
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.demo import demo_bigcommerce_store

pytestmark = pytest.mark.django_db


def test_an_outage_is_retried_then_the_team_takes_over(settings):
    settings.BIGCOMMERCE_MAX_WAIT_SECONDS = 0.3
    standin = BigCommerceStandIn("outage1", token="bc_outage")
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        store = demo_bigcommerce_store(standin, timezone.now())
        standin.outage = True
        conversation = conversation_start(store=store, channel=Channel.WEB)
        message = message_add_customer(conversation, "where is order 1001? jane@example.com")

        tasks.handle_message.apply(args=[message.pk])

    order_reads = [c for c in standin.calls if c == "GET /v2/orders/1001"]
    assert len(order_reads) >= tasks.PLATFORM_RETRIES + 1
    texts = list(
        conversation.messages.filter(role=MessageRole.ASSISTANT).values_list("text", flat=True)
    )
    assert len(texts) == 1
    assert "can't reach our order system" in texts[0]
    assert "1Z999AA10123456784" not in texts[0]
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED


def test_a_short_outage_is_ridden_out_and_answered(settings):
    settings.BIGCOMMERCE_MAX_WAIT_SECONDS = 5.0
    standin = BigCommerceStandIn("outage2", token="bc_outage")
    with respx.mock(assert_all_called=False) as router:
        standin.mount(router)
        store = demo_bigcommerce_store(standin, timezone.now())
        standin.timeouts_before = 2  # two reads time out, the third gets through
        conversation = conversation_start(store=store, channel=Channel.WEB)
        message = message_add_customer(conversation, "where is order 1001? jane@example.com")

        tasks.handle_message.apply(args=[message.pk])

    [text] = conversation.messages.filter(role=MessageRole.ASSISTANT).values_list("text", flat=True)
    assert "1Z999AA10123456784" in text
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.ESCALATED
