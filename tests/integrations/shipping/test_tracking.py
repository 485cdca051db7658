"""Tracking states only move forward, and a webhook's Tracker maps like an API answer."""

from __future__ import annotations

import json

import pytest

from apps.integrations.shipping.base import TrackingStatus, moves_forward
from apps.integrations.shipping.easypost.provider import tracker_from
from standins.easypost import EasyPostStandIn


@pytest.mark.parametrize(
    ("current", "new", "forward"),
    [
        ("unknown", "pre_transit", True),
        ("pre_transit", "in_transit", True),
        ("in_transit", "delivered", True),
        ("delivered", "in_transit", False),  # an older event arriving late
        ("out_for_delivery", "in_transit", False),
        ("in_transit", "in_transit", False),
        ("in_transit", "failure", False),
        ("failure", "delivered", True),
        ("in_transit", "something-new", False),
    ],
)
def test_only_further_states_move_a_parcel(current, new, forward):
    assert moves_forward(current, new) is forward


def test_a_webhook_events_tracker_maps_like_the_api():
    standin = EasyPostStandIn(("k",))
    tracker = standin._tracker(standin.accounts["k"], "EZ9", "USPS", "pre_transit")
    standin.advance(tracker, "in_transit", "Arrived at USPS facility")
    event = json.loads(standin.event(tracker))
    info = tracker_from(event["result"])
    assert info.id == tracker["id"]
    assert info.status == TrackingStatus.IN_TRANSIT
    assert info.latest is not None
    assert info.latest.message == "Arrived at USPS facility"
    assert info.estimated_delivery_at is not None


def test_a_scan_stamped_in_the_same_second_that_moves_the_parcel_on_is_the_latest(db):
    from django.utils import timezone

    from apps.integrations.shipping.models import OutboundTracker
    from apps.integrations.shipping.records import apply_tracking
    from tests.factories import StoreFactory

    standin = EasyPostStandIn(("k",))
    tracker = standin._tracker(standin.accounts["k"], "EZ9", "USPS", "in_transit")
    row = OutboundTracker(store=StoreFactory(), tracking_code="EZ9")
    apply_tracking(row, tracker_from(tracker), timezone.now())
    stamp = tracker["tracking_details"][-1]["datetime"]
    standin.advance(tracker, "out_for_delivery", "Out for delivery")
    tracker["tracking_details"][-1]["datetime"] = stamp
    apply_tracking(row, tracker_from(tracker), timezone.now())
    assert (row.tracking_status, row.latest_event) == ("out_for_delivery", "Out for delivery")
    # The same-second scan of an earlier state, arriving late, does not replace it.
    late = {**tracker, "status": "in_transit", "tracking_details": tracker["tracking_details"][:1]}
    late["tracking_details"][0]["datetime"] = stamp
    apply_tracking(row, tracker_from(late), timezone.now())
    assert row.latest_event == "Out for delivery"
