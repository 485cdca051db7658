"""The prepaid label after a return: an AgentAction bought at most once, whatever retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import easypost
import pytest

from apps.agent import label_executor
from apps.agent.actions import action_execute
from apps.agent.return_labels import label_action_for_return
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Conversation
from apps.integrations.shipping import labels
from apps.integrations.shipping.base import Parcel, RateChoice, RateRule
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import ReturnShipment
from standins.easypost import EasyPostStandIn
from tests.factories import StoreFactory
from tests.integrations.shipping.test_contract import CUSTOMER, WAREHOUSE

KEY = "EZTKagent"
PARCEL = Parcel(weight_oz=Decimal("20"), length_in=Decimal(12))


class Killed(BaseException):
    """The worker died mid-execution (nothing in the code under test catches it)."""


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> EasyPostStandIn:
    standin = EasyPostStandIn((KEY,))
    shipping = EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))
    monkeypatch.setattr(label_executor, "shipping_provider_for", lambda store: shipping)
    return standin


@pytest.fixture
def returned(db: Any) -> AgentAction:
    store = StoreFactory()
    return AgentAction.objects.create(
        store=store,
        conversation=Conversation.objects.create(store=store),
        kind=ActionKind.CREATE_RETURN,
        status=ActionStatus.EXECUTED,
        idempotency_key="create_return:test-1",
        parameters={"order_id": "gid://shopify/Order/1", "order_name": "#1001"},
        result={"return_id": "gid://shopify/Return/1", "status": "OPEN"},
    )


def _label_action(returned: AgentAction, rule: RateRule | None = None) -> AgentAction:
    return label_action_for_return(
        returned, customer=CUSTOMER, warehouse=WAREHOUSE, parcel=PARCEL, rule=rule or RateRule()
    )


def test_the_label_is_bought_and_its_cost_recorded(returned, standin):
    action = action_execute(_label_action(returned), provider=None)  # type: ignore[arg-type]
    assert action.status == ActionStatus.EXECUTED
    assert action.result["cost"] == "6.95"
    assert action.result["currency"] == "USD"
    assert action.result["label_url"].startswith("https://")
    assert action.result["tracking_code"]
    assert action.evidence["shipment_id"]
    assert standin.accounts[KEY].purchases == 1


def test_one_return_has_one_label_action_and_one_label(returned, standin):
    first = action_execute(_label_action(returned), provider=None)  # type: ignore[arg-type]
    again = _label_action(returned)
    assert again.pk == first.pk
    assert action_execute(again, provider=None).result == first.result  # type: ignore[arg-type]
    assert AgentAction.objects.filter(kind=ActionKind.RETURN_LABEL).count() == 1
    assert standin.accounts[KEY].purchases == 1


def test_a_run_killed_after_buying_is_resumed_without_a_second_label(
    returned, standin, monkeypatch
):
    action = _label_action(returned)
    real = labels._bought

    def die(row, label):
        raise Killed

    monkeypatch.setattr(labels, "_bought", die)
    with pytest.raises(Killed):
        action_execute(action, provider=None)  # type: ignore[arg-type]
    action.refresh_from_db()
    assert action.status == ActionStatus.EXECUTING  # what the reconciler picks up
    monkeypatch.setattr(labels, "_bought", real)
    resumed = action_execute(action, provider=None)  # type: ignore[arg-type]
    assert resumed.status == ActionStatus.EXECUTED
    assert resumed.result["tracking_code"]
    assert standin.accounts[KEY].purchases == 1


def test_the_merchants_rule_chooses_the_rate(returned, standin):
    rule = RateRule(RateChoice.PREFERRED, carriers=("UPS",))
    action = action_execute(_label_action(returned, rule), provider=None)  # type: ignore[arg-type]
    assert (action.result["carrier"], action.result["cost"]) == ("UPS", "11.20")


def test_no_rates_fails_the_action_with_the_carriers_words(returned, standin):
    standin.no_rates_zips.add(CUSTOMER.zip)
    action = action_execute(_label_action(returned), provider=None)  # type: ignore[arg-type]
    assert action.status == ActionStatus.FAILED
    assert "postal code" in action.error
    assert standin.accounts[KEY].purchases == 0


def test_a_store_without_shipping_fails_clearly(returned, monkeypatch):
    monkeypatch.setattr(
        label_executor, "shipping_provider_for", label_executor.get_shipping_provider
    )
    action = action_execute(_label_action(returned), provider=None)  # type: ignore[arg-type]
    assert action.status == ActionStatus.FAILED
    assert "EasyPost is not connected" in action.error
    assert not ReturnShipment.objects.exists()


def test_a_label_follows_only_a_return_the_platform_recorded(returned):
    AgentAction.objects.filter(pk=returned.pk).update(status=ActionStatus.PROPOSED)
    returned.refresh_from_db()
    with pytest.raises(ValueError, match="recorded"):
        _label_action(returned)
