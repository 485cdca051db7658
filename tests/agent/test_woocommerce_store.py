"""The agent on a WooCommerce store: order-status conversations end to end against the
stand-in of its REST API, through the registry's WooCommerce provider, and an outage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from django.utils import timezone

from apps.agent import tasks
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Channel,
    Conversation,
    ConversationStatus,
    MessageRole,
)
from apps.conversations.services import conversation_start
from apps.integrations.commerce.demo import data
from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
from apps.stores.models import Platform, Store, StoreSettings
from standins.woocommerce import WooStandIn
from standins.woocommerce.build import demo_store
from tests.agent.conftest import say
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
DOMAIN = "northwind.example"
KEY, SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40


@pytest.fixture
def woo_store(db: None) -> Store:
    store = StoreFactory(
        platform=Platform.WOOCOMMERCE,
        domain=DOMAIN,
        name=data.STORE_NAME,
        access_token=key_pair_pack(consumer_key=KEY, consumer_secret=SECRET),
    )
    StoreSettings.objects.create(store=store, **data.SETTINGS)
    return store


@pytest.fixture
def shop(woo_store: Store) -> Iterator[WooStandIn]:
    stand_in = WooStandIn(DOMAIN, consumer_key=KEY, consumer_secret=SECRET)
    demo_store(stand_in, timezone.now())
    with respx.mock(assert_all_called=False) as router:
        stand_in.mount(router)
        yield stand_in


def _start(store: Store, *, customer_id: str = "") -> Conversation:
    return conversation_start(
        store=store,
        channel=Channel.WEB,
        customer_platform_id=customer_id,
        customer_verified=bool(customer_id),
    )


def _replies(conversation: Conversation) -> list[str]:
    return list(
        conversation.messages.filter(role=MessageRole.ASSISTANT)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_a_parcel_in_transit_is_reported_with_its_tracking(
    woo_store: Store, shop: WooStandIn
) -> None:
    conversation = _start(woo_store)

    say(conversation, "where is my order #1001? my email is jane@example.com")

    [reply] = _replies(conversation)
    assert "1Z999AA10123456784" in reply
    assert "UPS" in reply


def test_a_delivered_order_is_reported_delivered(woo_store: Store, shop: WooStandIn) -> None:
    conversation = _start(woo_store)

    say(conversation, "Has order 1002 arrived? jane@example.com")

    [reply] = _replies(conversation)
    assert "deliver" in reply.lower()
    assert "9400111899223344556677" in reply or "USPS" in reply


def test_someone_elses_email_learns_nothing_about_the_order(
    woo_store: Store, shop: WooStandIn
) -> None:
    conversation = _start(woo_store)

    say(conversation, "where is order 1001? my email is sam@example.com")

    [reply] = _replies(conversation)
    assert "1Z999AA10123456784" not in reply
    assert "Classic Hoodie" not in reply


def test_a_logged_in_customer_is_answered_without_proving_anything_more(
    woo_store: Store, shop: WooStandIn
) -> None:
    conversation = _start(woo_store, customer_id="101")  # Jane's WooCommerce customer id

    say(conversation, "where is order 1001?")

    [reply] = _replies(conversation)
    assert "1Z999AA10123456784" in reply


def test_a_second_question_about_the_order_costs_no_call_to_the_store(
    woo_store: Store, shop: WooStandIn
) -> None:
    conversation = _start(woo_store)
    say(conversation, "where is my order #1001? jane@example.com")
    calls = shop.requests

    say(conversation, "and when will it arrive?")

    assert len(_replies(conversation)) == 2
    assert shop.requests == calls


def test_a_store_outage_waits_then_offers_a_person(
    woo_store: Store, shop: WooStandIn, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WOOCOMMERCE_MAX_WAIT_SECONDS = 0  # give up on each try at once; the task retries
    shop.offline = True
    conversation = _start(woo_store)
    message = message_add_customer(conversation, "where is order 1001? jane@example.com")

    tasks.handle_message.apply(args=[message.pk])

    [reply] = _replies(conversation)
    assert "can't reach our order system" in reply
    assert "1Z999AA10123456784" not in reply
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    assert AgentAction.objects.filter(conversation=conversation, kind=ActionKind.ESCALATE).exists()
