"""EasyPost tracker events for outbound parcels (shipping.outbound): the same webhook as
returns, verified per store, stored once, applied forward only and never across stores."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.integrations.shipping import outbound
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.tasks import process_webhook_event
from standins import easypost as ep
from tests.factories import StoreFactory
from tests.webhooks.factories import WebhookEventFactory
from tests.webhooks.test_provider_webhooks import EP_SECRET, _connect, _post_easypost, _process_all


@pytest.fixture
def stores(db: Any) -> tuple[Any, Any]:
    a = StoreFactory(domain="a.myshopify.com")
    b = StoreFactory(domain="b.myshopify.com")
    for store, suffix in ((a, "A"), (b, "B")):
        _connect(store, "easypost", api_key=f"EZTK{suffix}", webhook_secret=f"{EP_SECRET}{suffix}")
    return a, b


@pytest.fixture
def standin() -> ep.EasyPostStandIn:
    return ep.EasyPostStandIn(("EZTKA", "EZTKB"))


def _outbound(
    store: Any, standin: ep.EasyPostStandIn, key: str = "EZTKA", *, saved: bool = True
) -> tuple[OutboundTracker, dict]:
    tracker = standin._tracker(standin.accounts[key], "EZ1000000001", "USPS", "pre_transit")
    row = OutboundTracker.objects.create(
        store=store,
        tracking_code=tracker["tracking_code"],
        carrier="USPS",
        order_id="gid://shopify/Order/1",
        state=OutboundState.TRACKING if saved else OutboundState.REQUESTED,
        tracker_id=tracker["id"] if saved else "",
    )
    return row, tracker


def test_a_signed_event_updates_the_outbound_parcel(client, stores, standin):
    store, _ = stores
    row, tracker = _outbound(store, standin)
    body = standin.event(standin.advance(tracker, "in_transit", "Arrived at USPS facility"))
    assert _post_easypost(client, store, body).json() == {"status": "accepted"}
    _process_all()
    row.refresh_from_db()
    assert row.tracking_status == "in_transit"
    assert row.latest_event == "Arrived at USPS facility"
    assert row.latest_event_location == "Springfield, IL, US"
    assert row.latest_event_at is not None
    assert row.estimated_delivery_at is not None
    assert WebhookEvent.objects.get().note == "outbound in_transit"


def test_tracker_created_before_our_task_saved_the_id_is_matched_on_the_number(
    client, stores, standin
):
    store, _ = stores
    row, tracker = _outbound(store, standin, saved=False)
    body = standin.event(tracker, "tracker.created")
    _post_easypost(client, store, body)
    _process_all()
    row.refresh_from_db()
    assert (row.tracker_id, row.state) == (tracker["id"], OutboundState.TRACKING)
    assert row.public_url == tracker["public_url"]
    assert row.tracking_status == "pre_transit"


def test_a_replayed_event_is_stored_and_applied_once(client, stores, standin):
    store, _ = stores
    _, tracker = _outbound(store, standin)
    body = standin.event(standin.advance(tracker, "out_for_delivery"))
    assert _post_easypost(client, store, body).json() == {"status": "accepted"}
    assert _post_easypost(client, store, body).json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1


def test_delivered_before_in_transit_never_moves_the_parcel_back(client, stores, standin):
    store, _ = stores
    row, tracker = _outbound(store, standin)
    in_transit = standin.event(standin.advance(tracker, "in_transit", "Departed facility"))
    delivered = standin.event(standin.advance(tracker, "delivered", "Delivered, front door"))
    _post_easypost(client, store, delivered)
    _process_all()
    _post_easypost(client, store, in_transit)  # the older event arrives last
    _process_all()
    row.refresh_from_db()
    assert row.tracking_status == "delivered"
    assert row.delivered_at is not None
    assert row.latest_event == "Delivered, front door"
    late = WebhookEvent.objects.get(payload__result__status="in_transit")
    assert (late.status, late.note) == (WebhookStatus.PROCESSED, "outbound stale: still delivered")


@pytest.mark.parametrize("secret", ["forged-secret", ""], ids=["forged", "empty"])
def test_a_forged_event_is_refused_and_changes_nothing(client, stores, standin, secret):
    store, _ = stores
    row, tracker = _outbound(store, standin)
    body = standin.event(standin.advance(tracker, "delivered"))
    assert _post_easypost(client, store, body, secret).status_code == 401
    assert not WebhookEvent.objects.exists()
    row.refresh_from_db()
    assert row.tracking_status == "unknown"


def test_another_stores_outbound_tracker_is_never_applied_here(client, stores, standin):
    store_a, store_b = stores
    row_b, tracker_b = _outbound(store_b, standin, "EZTKB")
    body = standin.event(standin.advance(tracker_b, "delivered"))
    # Signed with store A's secret, to A's URL: A has neither this tracker nor the number.
    assert _post_easypost(client, store_a, body).status_code == 200
    _process_all()
    row_b.refresh_from_db()
    assert row_b.tracking_status == "unknown"
    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_a_number_both_stores_ship_follows_each_stores_own_tracker(client, stores, standin):
    store_a, store_b = stores
    row_a, tracker_a = _outbound(store_a, standin, "EZTKA")
    row_b, tracker_b = _outbound(store_b, standin, "EZTKB")
    assert tracker_a["id"] != tracker_b["id"]
    # B's tracker (same number) posted to A: A's row follows A's tracker, not this one.
    body = standin.event(standin.advance(tracker_b, "delivered"))
    _post_easypost(client, store_a, body)
    _process_all()
    row_a.refresh_from_db()
    assert row_a.tracking_status == "unknown"


# ---------------------------------------------------------------- eager: orders webhooks


def _fulfilled_with_bare_number(days_ago: float) -> dict[str, Any]:
    from tests.webhooks.helpers import fixture

    payload = fixture("orders_fulfilled")
    shipped = (timezone.now() - timedelta(days=days_ago)).isoformat()
    payload["updated_at"] = timezone.now().isoformat()
    for row in payload["fulfillments"]:
        row.update(
            created_at=shipped,
            updated_at=shipped,
            tracking_url=None,
            tracking_urls=[],
            shipment_status=None,
        )
    return payload


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbound, "_enqueue", ids.append)
    return ids


def test_an_orders_webhook_with_a_fresh_bare_number_requests_its_tracker(shop, enqueued):
    _connect(shop, "easypost", api_key="EZTKshop", webhook_secret="s")
    payload = _fulfilled_with_bare_number(days_ago=1)
    event = WebhookEventFactory(store=shop, topic="orders/fulfilled", payload=payload)
    assert process_webhook_event(event.pk) == "processed"
    rows = OutboundTracker.objects.filter(store=shop).order_by("tracking_code")
    # The fulfilment carries two parcels: one tracker each.
    assert [(r.tracking_code, r.carrier) for r in rows] == [("1Z2345", "UPS"), ("1Z2346", "UPS")]
    assert {r.order_id for r in rows} == {f"gid://shopify/Order/{payload['id']}"}
    assert enqueued == [r.pk for r in rows]
    assert WebhookEvent.objects.get(pk=event.pk).note == "order created; 2 tracker(s) requested"
    again = WebhookEventFactory(store=shop, topic="orders/updated", payload=payload)
    assert process_webhook_event(again.pk) in ("processed", "ignored")
    assert OutboundTracker.objects.count() == 2
    assert len(enqueued) == 2


def test_an_old_shipment_or_a_store_without_easypost_requests_none(shop, enqueued):
    old = _fulfilled_with_bare_number(days_ago=45)
    process_webhook_event(WebhookEventFactory(store=shop, topic="orders/fulfilled", payload=old).pk)
    assert not OutboundTracker.objects.exists()  # no EasyPost on this store
    _connect(shop, "easypost", api_key="EZTKshop", webhook_secret="s")
    old["updated_at"] = timezone.now().isoformat()
    process_webhook_event(WebhookEventFactory(store=shop, topic="orders/updated", payload=old).pk)
    assert not OutboundTracker.objects.exists()  # shipped before the eager window
    assert enqueued == []
