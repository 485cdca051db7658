"""Carrier scans for parcels the platform knows only by number (shipping.outbound).

Called by "where is my order" after the customer's identity check, on the shipments the
platform returned: a parcel with just a tracking number gets the latest scan, where and
when, the estimated delivery and the carrier's public link from our OutboundTracker row.
Nothing here calls the carrier: the row is read from our database (kept fresh by the
tracker webhook) and a missing one is requested in the background, so the next question
has an answer.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from apps.agent.context import Turn
from apps.integrations.commerce.base import Fulfillment, OrderInfo
from apps.integrations.shipping.base import TrackingStatus
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.integrations.shipping.outbound import (
    Parcel,
    outbound_trackers_of,
    outbound_trackers_request,
    tracking_connected,
    untracked_parcels,
)


class Scans(StrEnum):
    """What the reply adds about the trackers beyond the shipments' own lines."""

    NOTHING = "nothing"
    PENDING = "pending"  # a tracker is being set up: scans will follow
    NONE_YET = "none_yet"  # tracked, but the carrier has not scanned the parcel yet


def with_carrier_scans(
    turn: Turn, order: OrderInfo, shipments: list[Fulfillment]
) -> tuple[list[Fulfillment], Scans]:
    """`shipments` with what our trackers know filled in, and what to add about them."""
    parcels = untracked_parcels(shipments)
    if not parcels:
        return shipments, Scans.NOTHING
    rows = outbound_trackers_of(turn.store, [p.tracking_code for p in parcels])
    missing = [p for p in parcels if p.tracking_code not in rows]
    waiting = [rows[p.tracking_code] for p in parcels if _waiting(rows.get(p.tracking_code))]
    if waiting or (missing and tracking_connected(turn.store)):
        # New numbers get their intent; a request whose task was lost is enqueued again.
        asked = [*missing, *(Parcel(r.tracking_code, r.carrier) for r in waiting)]
        outbound_trackers_request(turn.store, order.id, asked)
        said = Scans.PENDING
    elif any(r.state == OutboundState.TRACKING and not _known(r) for r in rows.values()):
        said = Scans.NONE_YET
    else:
        said = Scans.NOTHING
    return [_filled(s, rows) for s in shipments], said


def _waiting(row: OutboundTracker | None) -> bool:
    return row is not None and row.state == OutboundState.REQUESTED and not _known(row)


def _known(row: OutboundTracker) -> bool:
    return bool(row.latest_event) or row.tracking_status != TrackingStatus.UNKNOWN


def _filled(shipment: Fulfillment, rows: dict[str, OutboundTracker]) -> Fulfillment:
    found = [rows[t.number.strip()] for t in shipment.tracking if t.number.strip() in rows]
    row = next((r for r in found if _known(r) and r.state != OutboundState.FAILED), None)
    if row is None or shipment.latest_event or shipment.delivered_at:
        return shipment
    tracking = tuple(
        replace(t, url=row.public_url) if t.number.strip() == row.tracking_code else t
        for t in shipment.tracking
    )
    delivered = row.delivered_at if row.tracking_status == TrackingStatus.DELIVERED else None
    return replace(
        shipment,
        tracking=tracking if row.public_url else shipment.tracking,
        shipment_status=row.tracking_status,
        latest_event=row.latest_event,
        latest_event_at=row.latest_event_at,
        latest_event_location=row.latest_event_location,
        estimated_delivery_at=row.estimated_delivery_at,
        delivered_at=delivered,
    )
