"""Where the order in focus is, from our carrier trackers (shipping.outbound): for parcels
the platform knows only by number. One query, and none without an order in focus."""

from __future__ import annotations

from django.db.models import Q, Subquery

from apps.conversations.models import Conversation
from apps.integrations.shipping.base import TrackingStatus
from apps.integrations.shipping.models import OutboundTracker
from apps.orders.models import Order
from apps.stores.models import Store


def order_tracking(store: Store, conversation: Conversation) -> list[OutboundTracker]:
    """The store's trackers of the conversation's order that have something to say."""
    if conversation.order_in_focus_id is None:
        return []
    order_id = Order.objects.filter(store=store, pk=conversation.order_in_focus_id).values(
        "platform_order_id"
    )[:1]
    rows = OutboundTracker.objects.filter(store=store, order_id=Subquery(order_id)).exclude(
        Q(tracking_status=TrackingStatus.UNKNOWN) & Q(latest_event="")
    )
    return list(rows.order_by("pk"))
