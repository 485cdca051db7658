"""EasyPost tracker events: move the store's return, or its outbound parcel, along.

A tracker is a return's (ReturnShipment: may release its refund) or an outbound parcel's
(OutboundTracker: what the agent tells a customer asking where the order is). Either way
only this store's rows are looked at and the status only moves forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.agent.return_notices import refund_told_once
from apps.agent.return_refunds import return_refund_release
from apps.integrations.commerce.base import TransientCommerceError
from apps.integrations.shipping.base import TrackerInfo
from apps.integrations.shipping.easypost.provider import tracker_from
from apps.integrations.shipping.models import OutboundState, OutboundTracker, ReturnShipment
from apps.integrations.shipping.records import apply_tracking
from apps.webhooks.handlers.base import (
    HandlerResult,
    PermanentHandlerError,
    TransientHandlerError,
)

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

UNKNOWN_TRACKER = "no return or outbound parcel of this store has this tracker"


def handle_tracker(event: WebhookEvent, store: Store) -> HandlerResult:
    payload = event.payload if isinstance(event.payload, dict) else {}
    result = payload.get("result")
    if not isinstance(result, dict) or result.get("object") != "Tracker":
        raise PermanentHandlerError("the event's result is not a Tracker")
    info = tracker_from(result)
    with transaction.atomic():
        # Only this store's rows: another store's tracker id finds nothing here.
        mine = ReturnShipment.objects.select_for_update().filter(store=store)
        shipment = mine.filter(tracker_id=info.id).first() if info.id else None
        if shipment is None and info.tracking_code:
            shipment = mine.filter(
                tracking_code=info.tracking_code, carrier__iexact=info.carrier
            ).first()
        if shipment is None:
            return _outbound(store, info)
        changed = apply_tracking(shipment, info, timezone.now())
        if changed:
            shipment.save(update_fields=[*changed, "updated_at"])
    # Asked on every event, not only on a change: a release cut short by an outage is
    # finished by the retry or the next event (the refund's key makes it happen once).
    try:
        refund = return_refund_release(shipment)
    except TransientCommerceError as exc:
        raise TransientHandlerError(str(exc)) from exc
    if refund is not None:
        refund_told_once(refund)  # once, however many events arrive
    note = shipment.tracking_status if changed else f"stale: still {shipment.tracking_status}"
    if refund is not None:
        note += f"; refund {refund.status}"
    return HandlerResult.processed(note)


def _outbound(store: Store, info: TrackerInfo) -> HandlerResult:
    with transaction.atomic():
        mine = OutboundTracker.objects.select_for_update().filter(store=store)
        row = mine.filter(tracker_id=info.id).first() if info.id else None
        if row is None and info.tracking_code:
            # tracker.created can arrive before our task saved the id: the number is ours
            # (unique per store), unless the row already follows another tracker.
            row = mine.filter(
                tracking_code=info.tracking_code, tracker_id__in=("", info.id)
            ).first()
        if row is None:
            return HandlerResult.ignored(UNKNOWN_TRACKER)
        changed = apply_tracking(row, info, timezone.now())
        if info.public_url and not row.public_url:
            row.public_url = info.public_url[:500]
            changed.append("public_url")
        if row.state == OutboundState.REQUESTED and row.tracker_id:
            row.state = OutboundState.TRACKING
            changed.append("state")
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
    stale = f"stale: still {row.tracking_status}"
    return HandlerResult.processed(f"outbound {row.tracking_status if changed else stale}")
