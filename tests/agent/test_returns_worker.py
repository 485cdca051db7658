"""A return end to end through a real Celery worker: the customer's yes, one label bought at
the EasyPost stand-in (over HTTP), the carrier's in_transit webhook, the refund executed
once, and the customer told in the chat and by email. And an outbound parcel's tracker:
requested by the question, created by the worker, moved on by the webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from apps.agent.skills.orders import PENDING_SCANS
from apps.chat.services import message_add_customer
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    Message,
    MessageRole,
    OutboundMessage,
    OutboundStatus,
)
from apps.conversations.services import conversation_start
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.integrations.shipping.models import OutboundState, OutboundTracker, ReturnShipment
from apps.orders.models import Order
from apps.stores.fields import Secret
from apps.stores.models import (
    IntegrationCredential,
    IntegrationStatus,
    RefundRelease,
    ReturnLabels,
    StoreSettings,
)
from apps.webhooks.models import WebhookEvent, WebhookStatus
from standins.easypost import EasyPostStandIn, sign
from standins.http_server import StandInServer
from tests.agent.test_outbound_tracking import bare_tracking
from tests.agent.test_return_flow import KEY, SECRET, SETUP

pytestmark = pytest.mark.worker


@pytest.fixture
def easypost() -> Iterator[tuple[EasyPostStandIn, StandInServer]]:
    standin = EasyPostStandIn((KEY,))
    with StandInServer(standin.handle) as server:
        yield standin, server


@pytest.fixture
def celery_worker_env(easypost: tuple[EasyPostStandIn, StandInServer]) -> dict[str, str]:
    return {"SHIPPING_EASYPOST_API_BASE": f"{easypost[1].url}/v2"}


@pytest.fixture
def jane(celery_worker_process: Any) -> Conversation:
    store = seed_demo_store()
    IntegrationCredential.objects.create(
        store=store,
        provider="easypost",
        config=Secret(json.dumps(SETUP)),
        status=IntegrationStatus.CONNECTED,
    )
    StoreSettings.objects.filter(store=store).update(
        return_labels=ReturnLabels.MERCHANT_PAYS,
        refund_release=RefundRelease.FIRST_SCAN,
        return_packing_instructions="Tape the box shut.",
    )
    return conversation_start(store, Channel.WEB, customer_email="jane@example.com")


def _answered(message: Message) -> bool:
    return Message.objects.filter(reply_to=message).exists()


def _said(conversation: Conversation, text: str) -> list[str]:
    return list(
        Message.objects.filter(
            conversation=conversation, role=MessageRole.ASSISTANT, text__contains=text
        ).values_list("text", flat=True)
    )


def _scan(client: Any, standin: EasyPostStandIn, conversation: Conversation) -> bytes:
    shipment = ReturnShipment.objects.get(store=conversation.store)
    tracker = standin.tracker_of(KEY, shipment.tracker_id)
    body = standin.event(standin.advance(tracker, "in_transit", "Accepted at USPS facility"))
    for _ in range(2):  # EasyPost delivers at least once: the same event twice
        response = client.post(
            f"/webhooks/easypost/{conversation.store_id}",
            body,
            content_type="application/json",
            headers={"X-Hmac-Signature": sign(body, SECRET)},
        )
        assert response.status_code == 200
    return body


def test_return_label_scan_refund_and_notice_through_the_worker(
    celery_worker_process: Any,
    client: Any,
    jane: Conversation,
    easypost: tuple[EasyPostStandIn, StandInServer],
) -> None:
    standin = easypost[0]
    ask = message_add_customer(jane, "I'd like to return order 1002")
    celery_worker_process.wait_until(lambda: _answered(ask), what="the return offer")
    assert "free of charge" in Message.objects.get(reply_to=ask).text
    yes = message_add_customer(jane, "yes")
    celery_worker_process.wait_until(lambda: _answered(yes), what="the confirmation")

    celery_worker_process.wait_until(
        lambda: bool(_said(jane, "prepaid return label for")), what="the label in the chat"
    )
    label = AgentAction.objects.get(conversation=jane, kind=ActionKind.RETURN_LABEL)
    assert label.status == ActionStatus.EXECUTED
    assert standin.accounts[KEY].purchases == 1
    celery_worker_process.wait_until(
        lambda: OutboundMessage.objects.filter(
            conversation=jane, status=OutboundStatus.SENT
        ).exists(),
        what="the label by email",
    )
    email = OutboundMessage.objects.get(conversation=jane)
    assert email.recipient == "jane@example.com"
    assert label.result["label_url"] in email.body

    _scan(client, standin, jane)
    celery_worker_process.wait_until(
        lambda: bool(_said(jane, "I've refunded")), what="the refund's notice"
    )
    celery_worker_process.wait_until(
        lambda: not WebhookEvent.objects.filter(status=WebhookStatus.PENDING).exists(),
        what="the webhook events processed",
    )
    (refund,) = AgentAction.objects.filter(store=jane.store, kind=ActionKind.REFUND)
    assert (refund.status, refund.amount) == (ActionStatus.EXECUTED, Decimal("45.00"))
    assert Order.objects.get(store=jane.store, number=1002).total_refunded == Decimal("45.00")
    assert _said(jane, "I've refunded") == [
        "Your return for order #1002 is on its way back to us: I've refunded $45.00."
    ]
    assert standin.accounts[KEY].purchases == 1


def test_where_is_my_order_gets_carrier_scans_through_the_worker(
    celery_worker_process: Any,
    client: Any,
    jane: Conversation,
    easypost: tuple[EasyPostStandIn, StandInServer],
) -> None:
    """A parcel known only by number: the first answer says what the platform knows and
    the worker creates the tracker once; the carrier's webhook moves it on; the next
    answer gives the scan, the estimate and the carrier's link."""
    standin = easypost[0]
    bare_tracking(jane.store)  # order 1001 ships as EZ2000000002 / USPS, nothing else
    ask = message_add_customer(jane, "where is my order #1001?")
    celery_worker_process.wait_until(lambda: _answered(ask), what="the first answer")
    assert PENDING_SCANS in Message.objects.get(reply_to=ask).text
    celery_worker_process.wait_until(
        lambda: OutboundTracker.objects.filter(
            store=jane.store, state=OutboundState.TRACKING
        ).exists(),
        what="the tracker created by the worker",
    )
    row = OutboundTracker.objects.get(store=jane.store)
    tracker = standin.tracker_of(KEY, row.tracker_id)
    body = standin.event(standin.advance(tracker, "out_for_delivery", "Out for delivery"))
    for _ in range(2):  # delivered at least once
        response = client.post(
            f"/webhooks/easypost/{jane.store_id}",
            body,
            content_type="application/json",
            headers={"X-Hmac-Signature": sign(body, SECRET)},
        )
        assert response.status_code == 200
    celery_worker_process.wait_until(
        lambda: OutboundTracker.objects.filter(
            pk=row.pk, tracking_status="out_for_delivery"
        ).exists(),
        what="the webhook applied",
    )
    again = message_add_customer(jane, "where is my order #1001 now?")
    celery_worker_process.wait_until(lambda: _answered(again), what="the second answer")
    text = Message.objects.get(reply_to=again).text
    assert "Status: out for delivery." in text
    assert "Latest update: Out for delivery in Springfield, IL, US" in text
    assert f"Track it here: {tracker['public_url']}" in text
    assert standin.accounts[KEY].trackers_created == 1
    assert OutboundTracker.objects.filter(store=jane.store).count() == 1
