"""A return in the chat end to end: the offer (conditions, who pays), the yes, one label
bought and posted (and emailed), no rates told honestly, the refund released and told once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import easypost
import pytest

from apps.agent import label_executor, return_hook
from apps.agent.return_flow import Run, return_label_run
from apps.agent.return_refunds import return_inspection_approve
from apps.agent.return_tasks import return_release_task
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    ConversationStatus,
    Message,
    MessageRole,
    OutboundMessage,
)
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.stores.fields import Secret
from apps.stores.models import (
    IntegrationCredential,
    IntegrationStatus,
    RefundRelease,
    ReturnLabels,
    Store,
    StoreSettings,
)
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.processing import webhook_event_process
from standins.easypost import EasyPostStandIn, sign
from tests.agent.conftest import Chat
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

JANE = "jane@example.com"
KEY, SECRET = "EZTKflow", "flow-tracker-secret"
WAREHOUSE_ZIP = "94107"
SETUP = {
    "api_key": KEY,
    "webhook_secret": SECRET,
    "return_name": "Demo Store Returns",
    "return_street1": "1 Warehouse Way",
    "return_city": "San Francisco",
    "return_state": "CA",
    "return_zip": WAREHOUSE_ZIP,
    "return_country": "US",
    "parcel_weight_oz": "16",
    "rate_choice": "cheapest",
}


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> EasyPostStandIn:
    standin = EasyPostStandIn((KEY,))
    shipping = EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))
    monkeypatch.setattr(label_executor, "shipping_provider_for", lambda store: shipping)
    return standin


@pytest.fixture
def enqueued(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> Callable[[Callable[[], Any]], list[int]]:
    """Return ids whose label task was enqueued on commit (the test runs the task's body)."""
    ids: list[int] = []
    monkeypatch.setattr(return_hook, "_enqueue", ids.append)

    def _during(step: Callable[[], Any]) -> list[int]:
        with django_capture_on_commit_callbacks(execute=True):
            step()
        return ids

    return _during


Enqueued = Callable[[Callable[[], Any]], list[int]]


def _labels_on(store: Store, **values: Any) -> None:
    IntegrationCredential.objects.update_or_create(
        store=store,
        provider="easypost",
        defaults={"config": Secret(json.dumps(SETUP)), "status": IntegrationStatus.CONNECTED},
    )
    StoreSettings.objects.filter(store=store).update(
        return_labels=values.pop("return_labels", ReturnLabels.MERCHANT_PAYS),
        return_conditions=["the items are unworn", "the tags are attached"],
        return_packing_instructions="Use the original box and tape it shut.",
        **values,
    )


def _returned(chat: Callable[..., Chat], enqueued: Enqueued) -> tuple[Chat, AgentAction]:
    c = chat(email=JANE)
    c("I'd like to return order 1002")
    ids = enqueued(lambda: c("yes"))
    returned = AgentAction.objects.get(kind=ActionKind.CREATE_RETURN)
    assert returned.status == ActionStatus.EXECUTED
    assert ids == [returned.pk]
    return c, returned


def _assistant_texts(conversation: Any) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, role=MessageRole.ASSISTANT)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_the_offer_names_the_conditions_and_that_the_store_pays(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn
) -> None:
    _labels_on(demo_store)
    text = chat(email=JANE)("I'd like to return order 1002").reply.text
    assert "only if the items are unworn and the tags are attached" in text
    assert "prepaid return label, free of charge" in text
    assert "Shall I start a return" in text


def test_the_offer_says_the_label_is_deducted_when_the_customer_pays(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn
) -> None:
    _labels_on(demo_store, return_labels=ReturnLabels.DEDUCTED)
    text = chat(email=JANE)("I'd like to return order 1002").reply.text
    assert "its cost will be deducted from your refund" in text


def test_no_label_is_promised_without_a_connected_shipping_setup(
    chat: Callable[..., Chat], demo_store: Store, enqueued: Enqueued
) -> None:
    StoreSettings.objects.filter(store=demo_store).update(return_labels=ReturnLabels.MERCHANT_PAYS)
    c = chat(email=JANE)
    assert "label" not in c("I'd like to return order 1002").reply.text
    assert enqueued(lambda: c("yes")) == []
    assert "label" not in _assistant_texts(c.conversation)[-1]  # type: ignore[attr-defined]


def test_a_yes_opens_the_return_and_one_label_is_posted_and_emailed_once(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn, enqueued: Enqueued
) -> None:
    _labels_on(demo_store)
    c, returned = _returned(chat, enqueued)
    assert "preparing your prepaid return label" in _assistant_texts(c.conversation)[-1]

    assert return_label_run(returned.pk) == Run.DONE
    assert return_label_run(returned.pk) == Run.DONE  # a redelivered task

    assert standin.accounts[KEY].purchases == 1
    label = AgentAction.objects.get(kind=ActionKind.RETURN_LABEL)
    assert label.status == ActionStatus.EXECUTED
    posted = [t for t in _assistant_texts(c.conversation) if "prepaid return label for" in t]
    assert len(posted) == 1
    assert label.result["label_url"] in posted[0]
    assert label.result["tracking_code"] in posted[0]
    assert "free of charge" in posted[0]
    assert "Use the original box and tape it shut." in posted[0]
    (email,) = OutboundMessage.objects.filter(store=demo_store)
    assert email.recipient == JANE
    assert label.result["label_url"] in email.body


def test_no_email_goes_to_an_address_the_customer_did_not_prove(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn, enqueued: Enqueued
) -> None:
    _labels_on(demo_store)
    c, returned = _returned(chat, enqueued)
    conversation = c.conversation  # type: ignore[attr-defined]
    state = dict(conversation.state)
    state["verified_order_ids"] = []  # the proof lapsed (idle) before the label was bought
    type(conversation).objects.filter(pk=conversation.pk).update(state=state)
    assert return_label_run(returned.pk) == Run.DONE
    assert not OutboundMessage.objects.exists()
    assert any("prepaid return label for" in t for t in _assistant_texts(conversation))


def test_no_rates_buys_nothing_tells_the_customer_and_hands_over(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn, enqueued: Enqueued
) -> None:
    standin.no_rates_zips.add(WAREHOUSE_ZIP)
    _labels_on(demo_store)
    c, returned = _returned(chat, enqueued)
    assert return_label_run(returned.pk) == Run.DONE
    assert standin.accounts[KEY].purchases == 0
    assert ReturnShipment.objects.get().state == LabelState.NO_RATES
    told = _assistant_texts(c.conversation)[-1]
    assert "no carrier offered a rate" in told
    assert "a person will get back to you" in told
    c.conversation.refresh_from_db()  # type: ignore[attr-defined]
    assert c.conversation.status == ConversationStatus.ESCALATED  # type: ignore[attr-defined]
    assert not OutboundMessage.objects.exists()


def test_an_outage_is_retried_and_the_label_bought_once(
    chat: Callable[..., Chat], demo_store: Store, standin: EasyPostStandIn, enqueued: Enqueued
) -> None:
    _labels_on(demo_store)
    c, returned = _returned(chat, enqueued)
    standin.fail_next = [503]
    assert return_label_run(returned.pk, final=False) == Run.RETRY
    assert not any("label for" in t for t in _assistant_texts(c.conversation))
    assert return_label_run(returned.pk, final=False) == Run.DONE
    assert standin.accounts[KEY].purchases == 1
    assert AgentAction.objects.get(kind=ActionKind.RETURN_LABEL).status == ActionStatus.EXECUTED


def _scan(client: Any, standin: EasyPostStandIn, store: Store, status: str) -> None:
    shipment = ReturnShipment.objects.get(store=store)
    tracker = standin.tracker_of(KEY, shipment.tracker_id)
    body = standin.event(standin.advance(tracker, status))
    response = client.post(
        f"/webhooks/easypost/{store.pk}",
        body,
        content_type="application/json",
        headers={"X-Hmac-Signature": sign(body, SECRET)},
    )
    assert response.status_code == 200
    for pk in WebhookEvent.objects.filter(status=WebhookStatus.PENDING).values_list(
        "pk", flat=True
    ):
        webhook_event_process(pk)


def test_the_carrier_scan_refunds_once_and_the_customer_hears_it_once(
    client: Any,
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    enqueued: Enqueued,
) -> None:
    _labels_on(demo_store, refund_release=RefundRelease.FIRST_SCAN)
    c, returned = _returned(chat, enqueued)
    return_label_run(returned.pk)
    for status in ("in_transit", "in_transit", "delivered", "out_for_delivery"):
        _scan(client, standin, demo_store, status)
    (refund,) = AgentAction.objects.filter(kind=ActionKind.REFUND)
    assert refund.status == ActionStatus.EXECUTED
    told = [t for t in _assistant_texts(c.conversation) if "I've refunded" in t]
    # Both items of #1002 went back: the T-shirt ($25) and the cap ($20).
    assert told == ["Your return for order #1002 is on its way back to us: I've refunded $45.00."]


def test_after_inspection_only_a_persons_approval_releases_the_refund(
    client: Any,
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    enqueued: Enqueued,
) -> None:
    _labels_on(demo_store, refund_release=RefundRelease.INSPECTED)
    c, returned = _returned(chat, enqueued)
    return_label_run(returned.pk)
    _scan(client, standin, demo_store, "delivered")
    assert not AgentAction.objects.filter(kind=ActionKind.REFUND).exists()
    shipment = ReturnShipment.objects.get(store=demo_store)

    with pytest.raises(ReturnShipment.DoesNotExist):
        return_inspection_approve(store_id=StoreFactory().pk, shipment_id=shipment.pk, by="x")
    assert ReturnShipment.objects.get(pk=shipment.pk).inspected_at is None

    for _ in range(2):
        return_inspection_approve(store_id=demo_store.pk, shipment_id=shipment.pk, by="Sam")
        return_release_task.run(shipment.pk)
    (refund,) = AgentAction.objects.filter(kind=ActionKind.REFUND)
    assert refund.status == ActionStatus.EXECUTED
    told = [t for t in _assistant_texts(c.conversation) if "I've refunded" in t]
    assert len(told) == 1
    assert "checked by our team" in told[0]


def test_analytics_count_the_label_spend_and_the_time_to_refund(
    client: Any,
    chat: Callable[..., Chat],
    demo_store: Store,
    standin: EasyPostStandIn,
    enqueued: Enqueued,
) -> None:
    from django.utils import timezone

    from apps.dashboard.analytics import default_range, store_analytics
    from apps.dashboard.analytics.models import DailyRollup
    from apps.dashboard.analytics.rollups import _write, compute_days, facts_of, local_today

    _labels_on(demo_store, refund_release=RefundRelease.FIRST_SCAN)
    _, returned = _returned(chat, enqueued)
    return_label_run(returned.pk)
    _scan(client, standin, demo_store, "in_transit")
    label = AgentAction.objects.get(kind=ActionKind.RETURN_LABEL)
    now = timezone.now()
    span = default_range(local_today(demo_store, now), demo_store.zone)

    figures = store_analytics(demo_store, span, now=now, rollups=False)

    (spent,) = figures.label_spend
    assert (spent.currency, str(spent.amount), spent.count) == ("USD", label.result["cost"], 1)
    assert figures.median_return_to_refund is not None
    # The rollup row keeps the same figures.
    today = local_today(demo_store, now)
    _write(demo_store, compute_days(demo_store, span, now)[today], now)
    stored = facts_of(DailyRollup.objects.get(store=demo_store, day=today))
    assert str(stored.label_spend["USD"].amount) == label.result["cost"]
    assert sum(stored.return_to_refund.values()) == 1
