"""A tracker webhook releases the return's refund per the merchant's rule: once, bounded."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import easypost
import pytest

from apps.agent import label_executor
from apps.agent.actions import action_execute
from apps.agent.return_labels import label_action_for_return
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Conversation
from apps.integrations.commerce.demo import seed_demo_store
from apps.integrations.commerce.registry import get_commerce_provider
from apps.integrations.shipping.base import Parcel, RateRule
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import ReturnShipment
from apps.orders.models import Order
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, RefundRelease, ReturnLabels
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from standins.easypost import EasyPostStandIn, sign
from tests.integrations.shipping.test_contract import CUSTOMER, WAREHOUSE

KEY, SECRET = "EZTKdemo", "demo-tracker-secret"


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> EasyPostStandIn:
    standin = EasyPostStandIn((KEY,))
    shipping = EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))
    monkeypatch.setattr(label_executor, "shipping_provider_for", lambda store: shipping)
    return standin


@pytest.fixture
def world(db: Any, standin: EasyPostStandIn) -> dict[str, Any]:
    store = seed_demo_store(domain="returns.aftersale.test")
    IntegrationCredential.objects.create(
        store=store,
        provider="easypost",
        config=Secret(json.dumps({"api_key": KEY, "webhook_secret": SECRET})),
        status=IntegrationStatus.CONNECTED,
    )
    order = Order.objects.get(store=store, number=1002)  # T-Shirt $25 + Cap $20, delivered
    info = get_commerce_provider(store).get_order(order.platform_order_id)
    shirt = info.line_items[0]
    returned = AgentAction.objects.create(
        store=store,
        conversation=Conversation.objects.create(store=store),
        order=order,
        kind=ActionKind.CREATE_RETURN,
        status=ActionStatus.EXECUTED,
        idempotency_key="create_return:demo-1002",
        parameters={
            "order_id": info.id,
            "order_name": info.name,
            "items": [{"line_item_id": shirt.id, "quantity": 1}],
            "item_titles": [shirt.title],
        },
    )
    label = label_action_for_return(
        returned,
        customer=CUSTOMER,
        warehouse=WAREHOUSE,
        parcel=Parcel(weight_oz=Decimal(10)),
        rule=RateRule(),
    )
    label = action_execute(label, provider=None)  # type: ignore[arg-type]
    assert label.status == ActionStatus.EXECUTED
    shipment = ReturnShipment.objects.get(store=store)
    tracker = standin.tracker_of(KEY, shipment.tracker_id)
    return {"store": store, "order": info, "shipment": shipment, "tracker": tracker}


def _rules(store: Any, **values: Any) -> None:
    type(store.settings).objects.filter(pk=store.settings.pk).update(**values)


def _scan(client: Any, standin: EasyPostStandIn, world: dict[str, Any], status: str) -> None:
    body = standin.event(standin.advance(world["tracker"], status))
    response = client.post(
        f"/webhooks/easypost/{world['store'].pk}",
        body,
        content_type="application/json",
        headers={"X-Hmac-Signature": sign(body, SECRET)},
    )
    assert response.status_code == 200
    for pk in WebhookEvent.objects.filter(status=WebhookStatus.PENDING).values_list(
        "pk", flat=True
    ):
        webhook_event_process(pk)


def _refunds(store: Any) -> list[AgentAction]:
    return list(AgentAction.objects.filter(store=store, kind=ActionKind.REFUND))


def _refundable(world: dict[str, Any]) -> Decimal:
    return get_commerce_provider(world["store"]).get_order(world["order"].id).refundable_amount


def test_the_first_scan_releases_the_refund_once(client, standin, world):
    _rules(world["store"], refund_release=RefundRelease.FIRST_SCAN)
    before = _refundable(world)
    _scan(client, standin, world, "in_transit")
    (refund,) = _refunds(world["store"])
    assert refund.status == ActionStatus.EXECUTED
    assert refund.amount == Decimal("25.00")
    assert _refundable(world) == before - Decimal("25.00")
    for later in ("out_for_delivery", "delivered"):
        _scan(client, standin, world, later)
    assert len(_refunds(world["store"])) == 1
    assert _refundable(world) == before - Decimal("25.00")


def test_a_replayed_scan_refunds_nothing_more(client, standin, world):
    _rules(world["store"], refund_release=RefundRelease.FIRST_SCAN)
    body = standin.event(standin.advance(world["tracker"], "in_transit"))
    for _ in range(2):
        client.post(
            f"/webhooks/easypost/{world['store'].pk}",
            body,
            content_type="application/json",
            headers={"X-Hmac-Signature": sign(body, SECRET)},
        )
    for pk in WebhookEvent.objects.values_list("pk", flat=True):
        webhook_event_process(pk)
    assert len(_refunds(world["store"])) == 1


def test_on_delivery_waits_for_the_warehouse(client, standin, world):
    _rules(world["store"], refund_release=RefundRelease.DELIVERED)
    _scan(client, standin, world, "in_transit")
    assert _refunds(world["store"]) == []
    _scan(client, standin, world, "delivered")
    assert [r.status for r in _refunds(world["store"])] == [ActionStatus.EXECUTED]


def test_inspection_is_never_released_by_a_scan(client, standin, world):
    _rules(world["store"], refund_release=RefundRelease.INSPECTED)
    _scan(client, standin, world, "delivered")
    assert _refunds(world["store"]) == []
    world["shipment"].refresh_from_db()
    assert world["shipment"].tracking_status == "delivered"


def test_a_label_the_customer_pays_is_deducted(client, standin, world):
    _rules(
        world["store"],
        refund_release=RefundRelease.FIRST_SCAN,
        return_labels=ReturnLabels.DEDUCTED,
    )
    _scan(client, standin, world, "in_transit")
    (refund,) = _refunds(world["store"])
    assert refund.amount == Decimal("25.00") - world["shipment"].cost


def test_above_the_auto_approve_limit_it_waits_for_the_merchant(client, standin, world):
    _rules(
        world["store"],
        refund_release=RefundRelease.FIRST_SCAN,
        refund_auto_approve_limit=Decimal("10.00"),
    )
    before = _refundable(world)
    _scan(client, standin, world, "in_transit")
    (refund,) = _refunds(world["store"])
    assert refund.status == ActionStatus.AWAITING_APPROVAL
    assert _refundable(world) == before


def test_a_release_cut_short_by_an_outage_is_finished_by_the_retry_once(
    client, standin, world, monkeypatch
):
    from apps.agent import return_refunds
    from apps.integrations.commerce.base import TransientCommerceError

    _rules(world["store"], refund_release=RefundRelease.FIRST_SCAN)
    real = return_refunds.get_commerce_provider
    outages = [TransientCommerceError("Shopify is down")]

    class Flaky:
        def __init__(self, store: Any) -> None:
            self.inner = real(store)

        def __getattr__(self, name: str) -> Any:
            if name == "get_order" and outages:
                raise outages.pop()
            return getattr(self.inner, name)

    monkeypatch.setattr(return_refunds, "get_commerce_provider", Flaky)
    _scan(client, standin, world, "in_transit")
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.FAILED
    assert event.next_attempt_at is not None
    assert _refunds(world["store"]) == []
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=event.received_at)
    webhook_event_process(event.pk)  # the retry
    assert [r.status for r in _refunds(world["store"])] == [ActionStatus.EXECUTED]
    _scan(client, standin, world, "delivered")
    (refund,) = _refunds(world["store"])
    assert refund.status == ActionStatus.EXECUTED
