""" "Where is my order" for a parcel the platform knows only by number: the carrier's scans
from our tracker row, only after the identity check, and a tracker requested in the
background when there is none yet (never an EasyPost call in the customer's turn)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import easypost
import pytest
from django.utils import timezone

from apps.agent.skills.orders import NO_SCANS_YET, PENDING_SCANS
from apps.integrations.shipping import outbound
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.integrations.shipping.outbound import outbound_tracker_create
from apps.orders.models import Order
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from standins.easypost import EasyPostStandIn
from tests.agent.conftest import Chat

pytestmark = pytest.mark.django_db

JANE = "jane@example.com"
KEY = "EZTKwhere"
CODE = "EZ2000000002"  # EasyPost's test number that reports in_transit
PUBLIC_URL = "https://track.easypost.com/trk_outbound1"


def bare_tracking(store: Store, number: int = 1001, code: str = CODE) -> Order:
    """Make the order's parcel what some platforms give: a number and a carrier, nothing else."""
    order = Order.objects.get(store=store, number=number)
    for row in order.fulfillments:
        row.pop("tracking", None)
        row.update(
            tracking_number=code,
            tracking_company="USPS",
            tracking_url="",
            shipment_status="",
            latest_event="",
            latest_event_at=None,
            estimated_delivery_at=None,
            delivered_at=None,
        )
    order.save(update_fields=["fulfillments"])
    return order


def connect_easypost(store: Store) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider="easypost",
        config=Secret(json.dumps({"api_key": KEY, "webhook_secret": "s"})),
        status=IntegrationStatus.CONNECTED,
    )


def tracked(store: Store, order: Order) -> OutboundTracker:
    now = timezone.now()
    return OutboundTracker.objects.create(
        store=store,
        tracking_code=CODE,
        carrier="USPS",
        order_id=order.platform_order_id,
        state=OutboundState.TRACKING,
        tracker_id="trk_outbound1",
        public_url=PUBLIC_URL,
        tracking_status="in_transit",
        latest_event="Arrived at USPS regional facility",
        latest_event_location="Springfield, IL, US",
        latest_event_at=now - timedelta(hours=3),
        estimated_delivery_at=now + timedelta(days=2),
    )


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows whose tracker task was enqueued (the provider is never called in the turn)."""
    ids: list[int] = []
    monkeypatch.setattr(outbound, "_enqueue", ids.append)
    return ids


def test_a_verified_customer_gets_the_latest_scan_where_when_eta_and_link(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    connect_easypost(demo_store)
    tracked(demo_store, bare_tracking(demo_store))
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert f"tracking number {CODE}" in text
    assert "Status: in transit." in text
    assert "Arrived at USPS regional facility in Springfield, IL, US" in text
    assert "Estimated delivery" in text
    assert f"Track it here: {PUBLIC_URL}" in text
    assert PENDING_SCANS not in text
    assert enqueued == []


@pytest.mark.parametrize(
    "first", ["where is my order #1001", "where is order 1001? my email is sam@example.com"]
)
def test_nothing_is_revealed_or_requested_before_the_identity_check(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int], first: str
) -> None:
    connect_easypost(demo_store)
    order = bare_tracking(demo_store)
    tracked(demo_store, order)
    text = chat()(first).reply.text
    for secret in (CODE, PUBLIC_URL, "Springfield", "regional facility"):
        assert secret not in text
    OutboundTracker.objects.all().delete()
    chat()(first)
    assert not OutboundTracker.objects.exists()
    assert enqueued == []


def test_without_a_tracker_yet_it_says_what_it_knows_and_asks_in_the_background(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    connect_easypost(demo_store)
    order = bare_tracking(demo_store)
    c = chat(email=JANE)
    text = c("where is my order #1001").reply.text
    assert f"Shipped with USPS, tracking number {CODE}." in text
    assert PENDING_SCANS in text
    row = OutboundTracker.objects.get(store=demo_store)
    assert (row.tracking_code, row.order_id) == (CODE, order.platform_order_id)
    assert row.state == OutboundState.REQUESTED
    assert enqueued == [row.pk]

    # The task runs (at the stand-in); the next question has the carrier's answer, read
    # from our row: the customer's turn makes no call to EasyPost.
    standin = EasyPostStandIn((KEY,))
    outbound_tracker_create(row.pk, EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY))))
    calls = len(standin.calls)
    row.refresh_from_db()
    again = c("where is my order #1001 now?").reply.text
    assert len(standin.calls) == calls
    assert "Status: in transit." in again
    assert "in Springfield, IL, US" in again
    assert "Estimated delivery" in again
    assert f"Track it here: {row.public_url}" in again
    assert PENDING_SCANS not in again
    assert enqueued == [row.pk]
    assert OutboundTracker.objects.count() == 1


def test_a_store_without_easypost_answers_as_before(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    bare_tracking(demo_store)
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert f"tracking number {CODE}" in text
    assert PENDING_SCANS not in text
    assert not OutboundTracker.objects.exists()


def test_a_parcel_the_platform_tracks_needs_no_tracker(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    connect_easypost(demo_store)
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert "Departed facility, Louisville KY" in text
    assert not OutboundTracker.objects.exists()


def test_a_failed_tracker_is_not_asked_for_again(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    connect_easypost(demo_store)
    order = bare_tracking(demo_store)
    OutboundTracker.objects.create(
        store=demo_store,
        tracking_code=CODE,
        order_id=order.platform_order_id,
        state=OutboundState.FAILED,
        error="Unable to detect the carrier.",
    )
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert f"tracking number {CODE}" in text
    assert PENDING_SCANS not in text
    assert enqueued == []


def test_a_tracker_without_scans_yet_says_so(
    chat: Callable[..., Chat], demo_store: Store, enqueued: list[int]
) -> None:
    connect_easypost(demo_store)
    order = bare_tracking(demo_store)
    tracked(demo_store, order)
    OutboundTracker.objects.update(tracking_status="unknown", latest_event="", latest_event_at=None)
    text = chat(email=JANE)("where is my order #1001").reply.text
    assert NO_SCANS_YET in text
    assert PENDING_SCANS not in text
    assert enqueued == []
