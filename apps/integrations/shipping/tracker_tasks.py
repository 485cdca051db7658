"""The Celery task that asks the shipping provider for an outbound parcel's tracker."""

from __future__ import annotations

from celery import shared_task

from apps.core.locks import LockTimeout
from apps.integrations.shipping.base import ShippingError
from apps.integrations.shipping.models import OutboundTracker
from apps.integrations.shipping.outbound import outbound_tracker_create, outbound_tracker_fail
from apps.integrations.shipping.registry import ShippingNotConnected, get_shipping_provider

MAX_RETRIES = 5
FIRST_BACKOFF_SECONDS = 30


@shared_task(
    bind=True,
    name="shipping.outbound_tracker",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def outbound_tracker_task(self, row_id: int) -> None:  # type: ignore[no-untyped-def]
    """Create the tracker of OutboundTracker `row_id` (idempotent: see
    outbound_tracker_create). A rate limit or an outage retries with backoff; the last
    attempt marks the row failed, and nobody is charged for a tracker we never saved."""
    row = OutboundTracker.objects.select_related("store").filter(pk=row_id).first()
    if row is None:
        return
    try:
        shipping = get_shipping_provider(row.store)
    except ShippingNotConnected as exc:  # disconnected since the request
        outbound_tracker_fail(row_id, exc.message)
        return
    try:
        outbound_tracker_create(row_id, shipping)
    except ShippingError as exc:  # retryable: others were recorded on the row
        if self.request.retries >= MAX_RETRIES:
            outbound_tracker_fail(row_id, exc.message or type(exc).__name__)
            return
        raise self.retry(
            exc=exc, countdown=FIRST_BACKOFF_SECONDS * 2**self.request.retries
        ) from exc
    except LockTimeout as exc:  # another attempt is creating it: look again shortly
        raise self.retry(exc=exc, countdown=FIRST_BACKOFF_SECONDS) from exc
