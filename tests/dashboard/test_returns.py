"""Returns in the merchant's admin: the return settings, a return's label, cost, tracking
and refund in the conversation, and the inspection that releases the refund."""

from __future__ import annotations

import json
from typing import Any

import easypost
import pytest

from apps.agent import label_executor, return_hook
from apps.agent.pipeline import run_turn
from apps.agent.return_flow import return_label_run
from apps.agent.return_tasks import return_release_task
from apps.chat.services import message_add_customer
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Channel
from apps.conversations.services import conversation_start
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import ReturnShipment
from apps.stores.fields import Secret
from apps.stores.models import (
    IntegrationCredential,
    IntegrationStatus,
    RefundRelease,
    ReturnLabels,
    Store,
    StoreSettings,
)
from apps.stores.services import store_settings
from standins.easypost import EasyPostStandIn
from tests.agent.test_return_flow import KEY, SETUP

pytestmark = pytest.mark.django_db


def test_the_settings_page_saves_the_return_rules(merchant: Any, shop: Store) -> None:
    assert "Save returns" in merchant.get("/app/settings/").content.decode()
    response = merchant.post(
        "/app/settings/returns/",
        {
            "return_labels": ReturnLabels.DEDUCTED,
            "refund_release": RefundRelease.DELIVERED,
            "return_conditions": "the items are unworn\n\n the tags are attached ",
            "return_packing_instructions": "Use the original box.",
        },
    )
    assert response.status_code == 200
    rules = StoreSettings.objects.get(store=shop)
    assert rules.return_labels == ReturnLabels.DEDUCTED
    assert rules.refund_release == RefundRelease.DELIVERED
    assert rules.return_conditions == ["the items are unworn", "the tags are attached"]
    assert rules.return_packing_instructions == "Use the original box."


@pytest.mark.parametrize(
    "values",
    [
        {"return_labels": "free_for_all"},
        {"return_conditions": "\n".join(f"condition {i}" for i in range(6))},
        {"return_conditions": "x" * 201},
    ],
    ids=["unknown_choice_case", "too_many_conditions_case", "too_long_condition_case"],
)
def test_bad_return_settings_change_nothing(
    merchant: Any, shop: Store, values: dict[str, str]
) -> None:
    before = store_settings(shop).version
    data = {"return_labels": "off", "refund_release": "inspected", **values}
    assert merchant.post("/app/settings/returns/", data).status_code == 422
    assert StoreSettings.objects.get(store=shop).version == before


@pytest.fixture
def returned(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> AgentAction:
    """Jane's return of order 1002 with its label bought; the refund waits for inspection."""
    standin = EasyPostStandIn((KEY,))
    shipping = EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))
    monkeypatch.setattr(label_executor, "shipping_provider_for", lambda store: shipping)
    monkeypatch.setattr(return_hook, "_enqueue", lambda pk: None)
    IntegrationCredential.objects.create(
        store=demo_store,
        provider="easypost",
        config=Secret(json.dumps(SETUP)),
        status=IntegrationStatus.CONNECTED,
    )
    StoreSettings.objects.filter(store=demo_store).update(
        return_labels=ReturnLabels.MERCHANT_PAYS, refund_release=RefundRelease.INSPECTED
    )
    conversation = conversation_start(demo_store, Channel.WEB, customer_email="jane@example.com")
    run_turn(message_add_customer(conversation, "I'd like to return order 1002"))
    run_turn(message_add_customer(conversation, "yes"))
    action = AgentAction.objects.get(conversation=conversation, kind=ActionKind.CREATE_RETURN)
    return_label_run(action.pk)
    return AgentAction.objects.get(conversation=conversation, kind=ActionKind.RETURN_LABEL)


def test_the_conversation_shows_the_label_its_cost_tracking_and_refund_state(
    demo_merchant: Any, returned: AgentAction
) -> None:
    html = demo_merchant.get(f"/app/conversations/{returned.conversation_id}/").content.decode()
    assert f'data-return="{returned.pk}"' in html
    assert returned.result["label_url"] in html
    assert returned.result["tracking_code"] in html
    cost = html[html.index("data-label-cost>") :]
    assert returned.result["cost"] in cost[: cost.index("</dd>")]
    assert 'data-refund-status="none"' in html
    assert "Items inspected: release the refund" in html


def test_inspection_releases_the_refund_once(
    demo_merchant: Any, returned: AgentAction, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = ReturnShipment.objects.get(reference=returned.idempotency_key)
    with django_capture_on_commit_callbacks() as enqueued:
        for _ in range(2):  # a double click
            response = demo_merchant.post(f"/app/returns/{shipment.pk}/inspected/")
            assert response.status_code == 200
    shipment.refresh_from_db()
    assert (shipment.inspected_by, shipment.inspected_at is not None) == ("demo-merchant", True)
    assert AgentAction.objects.filter(kind=ActionKind.REFUND).count() == 0  # not in the request
    for _ in enqueued:
        return_release_task.run(shipment.pk)  # what the worker does with each
    (refund,) = AgentAction.objects.filter(kind=ActionKind.REFUND)
    assert refund.status == ActionStatus.EXECUTED
    html = demo_merchant.get(f"/app/conversations/{returned.conversation_id}/").content.decode()
    assert 'data-refund-status="executed"' in html
    assert "Items inspected" not in html


def test_another_store_cannot_inspect_a_return(
    rival: Any, returned: AgentAction, django_capture_on_commit_callbacks: Any
) -> None:
    shipment = ReturnShipment.objects.get(reference=returned.idempotency_key)
    with django_capture_on_commit_callbacks() as enqueued:
        assert rival.post(f"/app/returns/{shipment.pk}/inspected/").status_code == 404
    assert enqueued == []
    shipment.refresh_from_db()
    assert shipment.inspected_at is None
