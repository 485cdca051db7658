"""Applying what a carrier reported to a return's or an outbound parcel's row: forward only,
idempotent."""

from __future__ import annotations

from datetime import datetime

from apps.integrations.shipping.base import (
    PROGRESS,
    TrackerInfo,
    TrackingStatus,
    moves_forward,
)
from apps.integrations.shipping.models import OutboundTracker, ReturnShipment

FIRST_SCAN = PROGRESS[TrackingStatus.IN_TRANSIT]


def apply_tracking(
    shipment: ReturnShipment | OutboundTracker, info: TrackerInfo, now: datetime
) -> list[str]:
    """Update `shipment` (locked by the caller) from `info`; the fields changed.

    The status only moves forward, so a `delivered` that arrived before the `in_transit`
    it follows leaves the parcel delivered. The latest event and the estimate follow the
    newest scan seen, whichever delivery brought it.
    """
    changed: list[str] = []
    moved = moves_forward(shipment.tracking_status, info.status)
    if moved:
        shipment.tracking_status = info.status
        shipment.tracking_status_at = now
        changed += ["tracking_status", "tracking_status_at"]
        if shipment.first_scan_at is None and PROGRESS[info.status] >= FIRST_SCAN:
            shipment.first_scan_at = _scan_time(info, now)
            changed.append("first_scan_at")
        if info.status == TrackingStatus.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = _scan_time(info, now)
            changed.append("delivered_at")
    latest = info.latest
    # Carriers stamp scans to the second: a scan stamped like the one we hold is newer
    # when it moved the parcel on (out for delivery right after in transit).
    if latest is not None and (
        shipment.latest_event_at is None
        or (latest.at is not None and latest.at > shipment.latest_event_at)
        or (moved and latest.at is not None and latest.at == shipment.latest_event_at)
    ):
        shipment.latest_event = latest.message[:300]
        shipment.latest_event_at = latest.at or now
        changed += ["latest_event", "latest_event_at"]
        if isinstance(shipment, OutboundTracker):  # the customer is told where it is
            shipment.latest_event_location = latest.location[:200]
            changed.append("latest_event_location")
        if info.estimated_delivery_at != shipment.estimated_delivery_at:
            shipment.estimated_delivery_at = info.estimated_delivery_at
            changed.append("estimated_delivery_at")
    if not shipment.tracker_id and info.id:
        shipment.tracker_id = info.id
        changed.append("tracker_id")
    return changed


def _scan_time(info: TrackerInfo, now: datetime) -> datetime:
    latest = info.latest
    return latest.at if latest is not None and latest.at is not None else now
