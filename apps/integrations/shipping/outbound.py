"""Trackers for parcels the store shipped whose platform knows only the tracking number.

Shopify, BigCommerce and WooCommerce often carry a bare number (a carrier they do not
integrate, a plugin that stores only the number): no link, no scans, no estimate. When the
store connected EasyPost, a tracker there gives the parcel its events, refreshed by the
tracker webhook (webhooks.handlers.shipping); the agent reads the row, never EasyPost.

When a tracker is requested (both paths only write the intent and enqueue the task; the
provider is called by `outbound_tracker_task`, never in a customer's or a webhook's request):

- lazily, when a verified customer asks where the order is (agent.skills.orders): the
  parcels people actually ask about, whatever their age;
- eagerly, when an orders webhook brings a shipped, undelivered fulfilment created within
  EAGER_WINDOW: the next question already has an answer. Bounded because every tracker is
  billed by EasyPost and rate-limited per account: a historical backfill (months of
  delivered orders) requests none; its recent parcels get one on their next orders/updated
  webhook or when asked about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.locks import named_lock
from apps.integrations.commerce.base import Fulfillment, Tracking
from apps.integrations.commerce.snapshot import fulfillment_from_json
from apps.integrations.shipping.base import ShippingError, ShippingProvider
from apps.integrations.shipping.models import OutboundState, OutboundTracker
from apps.integrations.shipping.records import apply_tracking
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

PROVIDER = "easypost"
EAGER_WINDOW = timedelta(days=30)
# A request still without a tracker this long after it was last asked for is enqueued
# again when someone asks (its task may have been lost); sooner, the queued one will do.
REQUEUE_AFTER = timedelta(minutes=2)
LOCK_LEASE_SECONDS = 30.0
LOCK_WAIT_SECONDS = 10.0
_ENDED = {"cancelled", "failure", "error"}


@dataclass(frozen=True)
class Parcel:
    tracking_code: str
    carrier: str


def platform_tracks(fulfillment: Fulfillment, tracking: Tracking) -> bool:
    """True when the platform already says where this parcel is (a link or carrier events):
    a number alone is not tracking."""
    return bool(
        tracking.url
        or fulfillment.latest_event
        or fulfillment.delivered_at
        or fulfillment.estimated_delivery_at
    )


def untracked_parcels(fulfillments: Iterable[Fulfillment]) -> list[Parcel]:
    """The parcels of live fulfilments that have a number and nothing else."""
    found: dict[str, Parcel] = {}
    for fulfillment in fulfillments:
        if fulfillment.status in _ENDED:
            continue
        for tracking in fulfillment.tracking:
            code = tracking.number.strip()
            if code and len(code) <= 64 and not platform_tracks(fulfillment, tracking):
                found.setdefault(code, Parcel(code, tracking.company.strip()[:64]))
    return list(found.values())


def tracking_connected(store: Store) -> bool:
    return IntegrationCredential.objects.filter(
        store=store, provider=PROVIDER, status=IntegrationStatus.CONNECTED
    ).exists()


def outbound_trackers_of(store: Store, codes: Sequence[str]) -> dict[str, OutboundTracker]:
    """This store's rows for these tracking numbers (one query; what the agent reads)."""
    if not codes:
        return {}
    rows = OutboundTracker.objects.filter(store=store, tracking_code__in=list(codes))
    return {row.tracking_code: row for row in rows}


def outbound_trackers_request(
    store: Store, order_id: str, parcels: Sequence[Parcel], *, now: datetime | None = None
) -> list[OutboundTracker]:
    """Write the intent for each parcel (once per store and number) and enqueue the task
    that asks the provider, after commit. Returns the rows; nothing here calls out."""
    now = now or timezone.now()
    rows: list[OutboundTracker] = []
    for parcel in parcels:
        row, created = _intent(store, order_id, parcel)
        rows.append(row)
        stale = row.state == OutboundState.REQUESTED and row.updated_at < now - REQUEUE_AFTER
        if created or stale:
            if stale:
                row.save(update_fields=["updated_at"])  # asked again now: not before REQUEUE
            _enqueue(row.pk)
    return rows


def eager_parcels(
    fulfillments: Iterable[Fulfillment], *, now: datetime | None = None
) -> list[Parcel]:
    """The untracked parcels an orders webhook may request trackers for: shipped within
    EAGER_WINDOW and not delivered."""
    since = (now or timezone.now()) - EAGER_WINDOW
    recent = [
        f
        for f in fulfillments
        if f.created_at is not None
        and f.created_at >= since
        and f.delivered_at is None
        and f.shipment_status != "delivered"
    ]
    return untracked_parcels(recent)


def outbound_trackers_eager(store: Store, order: Mapping[str, Any]) -> int:
    """Request trackers for an order an orders webhook just brought (its snapshot's field
    values, orders.Order); how many were new."""
    shipped = order.get("fulfillment_status") in ("fulfilled", "partially_fulfilled")
    if order.get("cancelled_at") is not None or not shipped:
        return 0
    rows = order.get("fulfillments") or []
    parcels = eager_parcels(fulfillment_from_json(r) for r in rows if isinstance(r, dict))
    if not parcels or not tracking_connected(store):  # the cheap test first: most have links
        return 0
    known = outbound_trackers_of(store, [p.tracking_code for p in parcels])
    fresh = [p for p in parcels if p.tracking_code not in known]
    outbound_trackers_request(store, str(order.get("platform_order_id") or ""), fresh)
    return len(fresh)


def _intent(store: Store, order_id: str, parcel: Parcel) -> tuple[OutboundTracker, bool]:
    try:
        with transaction.atomic():
            return OutboundTracker.objects.get_or_create(
                store=store,
                tracking_code=parcel.tracking_code,
                defaults={"carrier": parcel.carrier, "order_id": order_id[:64]},
            )
    except IntegrityError:  # requested concurrently (a webhook and a question)
        row = OutboundTracker.objects.get(store=store, tracking_code=parcel.tracking_code)
        return row, False


def _enqueue(row_id: int) -> None:
    from apps.integrations.shipping.tracker_tasks import outbound_tracker_task

    transaction.on_commit(lambda: outbound_tracker_task.delay(row_id))


def outbound_tracker_create(row_id: int, shipping: ShippingProvider) -> OutboundTracker | None:
    """Create the provider's tracker for row `row_id`, at most once.

    Safe to repeat and after a kill: a row that has its tracker id is left alone, and one
    whose first attempt died between EasyPost's answer and our save asks again with the
    same code and carrier, which EasyPost answers with the tracker it already has (no
    duplicate within ~3 months; platforms.md §3). A retryable ShippingError propagates
    (the task retries); any other marks the row failed.
    """
    with named_lock(
        f"outbound-tracker:{row_id}",
        timeout=LOCK_LEASE_SECONDS,
        wait=LOCK_WAIT_SECONDS,
        renew=True,
    ):
        row = OutboundTracker.objects.filter(pk=row_id).first()
        if row is None or row.state != OutboundState.REQUESTED or row.tracker_id:
            return row
        try:
            info = shipping.create_tracker(row.tracking_code, row.carrier)
        except ShippingError as exc:
            if exc.retryable:
                raise
            outbound_tracker_fail(row.pk, exc.message or type(exc).__name__)
            return OutboundTracker.objects.get(pk=row.pk)
        with transaction.atomic():
            # Read again under the row lock: the tracker.created webhook may have got here
            # first (matched on the number) and must not be undone.
            row = OutboundTracker.objects.select_for_update().get(pk=row.pk)
            changed = apply_tracking(row, info, timezone.now())
            row.tracker_id = info.id
            row.public_url = info.public_url[:500]
            row.state = OutboundState.TRACKING
            row.error = ""
            row.save(
                update_fields=[*changed, "tracker_id", "public_url", "state", "error", "updated_at"]
            )
        return row


def outbound_tracker_fail(row_id: int, error: str) -> None:
    OutboundTracker.objects.filter(pk=row_id, state=OutboundState.REQUESTED).update(
        state=OutboundState.FAILED, error=error[:500], updated_at=timezone.now()
    )
