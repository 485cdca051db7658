"""The conversation's order card shows where an outbound parcel is, from our carrier
tracker (shipping.outbound), for the order in focus and this store only."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from apps.conversations.models import Channel, Conversation
from apps.conversations.services import conversation_start
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.orders.models import Order
from apps.stores.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _focused(store: Store, number: int) -> tuple[Conversation, Order]:
    conversation = conversation_start(store, Channel.WEB, customer_email="jane@example.com")
    order = Order.objects.get(store=store, number=number)
    Conversation.objects.filter(pk=conversation.pk).update(order_in_focus=order)
    return conversation, order


def _tracker(store: Store, order_id: str, **values: Any) -> OutboundTracker:
    defaults: dict[str, Any] = {
        "tracking_code": "EZ2000000002",
        "carrier": "USPS",
        "state": OutboundState.TRACKING,
        "tracker_id": "trk_1",
        "public_url": "https://track.easypost.com/trk_1",
        "tracking_status": "in_transit",
        "latest_event": "Arrived at USPS regional facility",
        "latest_event_location": "Springfield, IL, US",
        "latest_event_at": timezone.now(),
    }
    return OutboundTracker.objects.create(store=store, order_id=order_id, **{**defaults, **values})


def test_the_order_card_shows_the_parcels_latest_status(demo_merchant: Any, demo_store: Store):
    conversation, order = _focused(demo_store, 1001)
    _tracker(demo_store, order.platform_order_id)
    html = demo_merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    card = html[html.index("data-parcel-tracking>") :]
    card = card[: card.index("</dd>")]
    assert "In transit: Arrived at USPS regional facility, Springfield, IL, US" in card
    assert 'href="https://track.easypost.com/trk_1"' in card


def test_no_status_without_one_or_from_another_store(demo_merchant: Any, demo_store: Store):
    conversation, order = _focused(demo_store, 1001)
    other = StoreFactory()
    _tracker(other, order.platform_order_id, latest_event="Someone else's parcel")
    _tracker(demo_store, order.platform_order_id, tracking_code="EZ7", latest_event="")
    OutboundTracker.objects.filter(tracking_code="EZ7").update(tracking_status="unknown")
    html = demo_merchant.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert "data-parcel-tracking" not in html
    assert "Someone else" not in html
