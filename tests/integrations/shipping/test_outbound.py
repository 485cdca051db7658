"""Outbound trackers (shipping.outbound): which parcels need one, the intent written once
per store and number, and the provider asked at most once however the task is retried."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import easypost
import pytest
from django.utils import timezone

from apps.integrations.commerce.base import Fulfillment, Tracking
from apps.integrations.shipping import outbound, tracker_tasks
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.integrations.shipping.outbound import (
    Parcel,
    eager_parcels,
    outbound_tracker_create,
    outbound_trackers_eager,
    outbound_trackers_request,
    untracked_parcels,
)
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus
from standins.easypost import EasyPostStandIn
from tests.factories import StoreFactory

KEY = "EZTKoutbound"


def _shipped(number: str = "EZ2000000002", **values: Any) -> Fulfillment:
    tracking = values.pop("tracking", (Tracking(number, "USPS", ""),))
    values.setdefault("created_at", timezone.now() - timedelta(days=1))
    values.setdefault("status", "success")
    return Fulfillment(id="f1", tracking=tracking, **values)


# ---------------------------------------------------------------- which parcels


def test_only_a_bare_number_needs_a_tracker():
    assert untracked_parcels([_shipped()]) == [Parcel("EZ2000000002", "USPS")]
    linked = _shipped(tracking=(Tracking("EZ2000000002", "USPS", "https://usps.example/1"),))
    assert untracked_parcels([linked]) == []
    assert untracked_parcels([_shipped(latest_event="Departed facility")]) == []
    assert untracked_parcels([_shipped(status="cancelled")]) == []
    assert untracked_parcels([_shipped(tracking=(Tracking("", "USPS", ""),))]) == []


def test_eager_requests_only_recent_undelivered_parcels():
    now = timezone.now()
    old = _shipped("EZ1", created_at=now - outbound.EAGER_WINDOW - timedelta(hours=1))
    delivered = _shipped("EZ2", shipment_status="delivered")
    undated = _shipped("EZ3", created_at=None)
    recent = _shipped("EZ4")
    found = eager_parcels([old, delivered, undated, recent], now=now)
    assert [p.tracking_code for p in found] == ["EZ4"]


# ---------------------------------------------------------------- the intent


@pytest.fixture
def store(db: Any) -> Any:
    store = StoreFactory()
    IntegrationCredential.objects.create(
        store=store,
        provider="easypost",
        config=Secret(json.dumps({"api_key": KEY, "webhook_secret": "s"})),
        status=IntegrationStatus.CONNECTED,
    )
    return store


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbound, "_enqueue", ids.append)
    return ids


def test_a_number_is_requested_once_per_store(store, enqueued):
    other = StoreFactory()
    parcel = Parcel("EZ2000000002", "USPS")
    (first,) = outbound_trackers_request(store, "order-1", [parcel])
    (again,) = outbound_trackers_request(store, "order-1", [parcel])
    (elsewhere,) = outbound_trackers_request(other, "order-9", [parcel])
    assert first.pk == again.pk != elsewhere.pk
    assert first.state == OutboundState.REQUESTED
    assert enqueued == [first.pk, elsewhere.pk]


def test_a_request_whose_task_was_lost_is_enqueued_again(store, enqueued):
    parcel = Parcel("EZ2000000002", "USPS")
    (row,) = outbound_trackers_request(store, "order-1", [parcel])
    later = timezone.now() + outbound.REQUEUE_AFTER + timedelta(seconds=1)
    outbound_trackers_request(store, "order-1", [parcel], now=later)
    assert enqueued == [row.pk, row.pk]


def _order_fields(*fulfillments: Fulfillment, **values: Any) -> dict[str, Any]:
    from apps.integrations.commerce.snapshot import fulfillment_to_json

    return {
        "platform_order_id": "gid://shopify/Order/7",
        "fulfillment_status": "fulfilled",
        "cancelled_at": None,
        "fulfillments": [fulfillment_to_json(f) for f in fulfillments],
        **values,
    }


def test_an_orders_webhook_requests_trackers_for_fresh_bare_numbers_only(store, enqueued):
    assert outbound_trackers_eager(store, _order_fields(_shipped())) == 1
    assert outbound_trackers_eager(store, _order_fields(_shipped())) == 0  # known already
    row = OutboundTracker.objects.get(store=store)
    assert (row.order_id, row.carrier) == ("gid://shopify/Order/7", "USPS")
    cancelled = _order_fields(_shipped("EZ9"), cancelled_at=timezone.now())
    assert outbound_trackers_eager(store, cancelled) == 0
    assert outbound_trackers_eager(store, _order_fields(fulfillment_status="unfulfilled")) == 0
    assert len(enqueued) == 1


def test_without_easypost_nothing_is_requested(db, enqueued):
    assert outbound_trackers_eager(StoreFactory(), _order_fields(_shipped())) == 0
    assert not OutboundTracker.objects.exists()


# ---------------------------------------------------------------- asking the provider


@pytest.fixture
def ep_standin() -> EasyPostStandIn:
    return EasyPostStandIn((KEY,))


@pytest.fixture
def provider(ep_standin: EasyPostStandIn) -> EasyPostShipping:
    return EasyPostShipping(ep_standin.mount(easypost.EasyPostClient(KEY)))


def _row(store: Any, code: str = "EZ2000000002", carrier: str = "USPS") -> OutboundTracker:
    return OutboundTracker.objects.create(store=store, tracking_code=code, carrier=carrier)


def test_the_tracker_is_created_and_its_state_kept(store, provider, ep_standin):
    row = outbound_tracker_create(_row(store).pk, provider)
    assert row is not None
    assert row.state == OutboundState.TRACKING
    assert row.tracker_id.startswith("trk_")
    assert row.public_url == f"https://track.easypost.com/{row.tracker_id}"
    assert row.tracking_status == "in_transit"
    assert row.latest_event_location == "Springfield, IL, US"
    assert row.estimated_delivery_at is not None
    sent = ep_standin.calls[-1].json()["tracker"]
    assert sent == {"tracking_code": "EZ2000000002", "carrier": "USPS"}


def test_running_again_never_asks_the_provider_twice(store, provider, ep_standin):
    row = _row(store)
    outbound_tracker_create(row.pk, provider)
    calls = len(ep_standin.calls)
    outbound_tracker_create(row.pk, provider)
    assert len(ep_standin.calls) == calls
    assert ep_standin.accounts[KEY].trackers_created == 1


def test_an_attempt_killed_before_saving_gets_the_same_tracker_back(store, provider, ep_standin):
    row = _row(store)
    lost = provider.create_tracker(row.tracking_code, row.carrier)  # the answer never saved
    saved = outbound_tracker_create(row.pk, provider)
    assert saved is not None
    assert saved.tracker_id == lost.id
    assert ep_standin.accounts[KEY].trackers_created == 1


def test_an_unknown_carrier_name_is_left_to_easypost_to_detect(store, provider, ep_standin):
    row = outbound_tracker_create(_row(store, carrier="Speedy Parcels Ltd").pk, provider)
    assert row is not None
    assert row.state == OutboundState.TRACKING
    assert "carrier" not in ep_standin.calls[-1].json()["tracker"]


def test_a_refused_number_marks_the_row_failed(store, provider):
    row = outbound_tracker_create(_row(store, code="NOT-A-NUMBER", carrier="").pk, provider)
    assert row is not None
    assert row.state == OutboundState.FAILED
    assert "detect" in row.error


def test_an_outage_is_retried_and_the_row_stays_requested(store, provider, ep_standin):
    from apps.integrations.shipping.base import Transient

    row = _row(store)
    ep_standin.fail_next = [503]
    with pytest.raises(Transient):
        outbound_tracker_create(row.pk, provider)
    row.refresh_from_db()
    assert (row.state, row.tracker_id) == (OutboundState.REQUESTED, "")


# ---------------------------------------------------------------- the task


@pytest.fixture
def task_provider(
    monkeypatch: pytest.MonkeyPatch, provider: EasyPostShipping
) -> Callable[[], None]:
    monkeypatch.setattr(tracker_tasks, "get_shipping_provider", lambda store: provider)
    return lambda: None


def test_the_task_retried_after_an_outage_creates_one_tracker(store, task_provider, ep_standin):
    row = _row(store)
    ep_standin.fail_next = [503]
    # apply() runs the retry inline: the 503, then the retry that creates the tracker.
    assert tracker_tasks.outbound_tracker_task.apply(args=(row.pk,)).successful()
    assert len(ep_standin.calls) == 2  # the refused call and the one that created it
    tracker_tasks.outbound_tracker_task.apply(args=(row.pk,))  # a redelivered message
    assert len(ep_standin.calls) == 2
    row.refresh_from_db()
    assert row.state == OutboundState.TRACKING
    assert ep_standin.accounts[KEY].trackers_created == 1


def test_the_last_attempt_gives_up_and_says_why(store, task_provider, ep_standin):
    row = _row(store)
    ep_standin.fail_next = [503]
    tracker_tasks.outbound_tracker_task.apply(args=(row.pk,), retries=tracker_tasks.MAX_RETRIES)
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED
    assert row.error


def test_a_store_that_disconnected_easypost_gets_no_tracker(store):
    row = _row(store)
    IntegrationCredential.objects.filter(store=store).update(status=IntegrationStatus.NOT_CONNECTED)
    tracker_tasks.outbound_tracker_task.apply(args=(row.pk,))
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED
