"""What we keep of a return label (the intent, the label bought, where the parcel is), and
of an outbound parcel the platform cannot track (OutboundTracker).

A row is written BEFORE anything is bought (the intent, keyed by the AgentAction's durable
`reference`, unique per store), so a retried or killed task finds it and never buys a
second label: the shipment id is saved as soon as the shipment exists, and a shipment that
already has postage is read back, not bought again (EasyPostShipping.buy).
"""

from __future__ import annotations

from django.db import models

from apps.integrations.shipping.base import TrackingStatus
from apps.stores.models import Store


class LabelState(models.TextChoices):
    INTENDED = "intended", "Intended"  # nothing bought yet (maybe a shipment with rates)
    BOUGHT = "bought", "Bought"
    NO_RATES = "no_rates", "No rates"  # nothing bought; the customer was offered a person
    FAILED = "failed", "Failed"
    VOIDED = "voided", "Voided"


class TrackedParcel(models.Model):
    """Where a parcel is, as its carrier's scans say: the same fields for a return coming
    back and an order going out, so one `records.apply_tracking` moves both."""

    # Only ever moves forward (shipping.base.moves_forward).
    tracking_status = models.CharField(
        max_length=24,
        choices=[(s.value, s.value.replace("_", " ")) for s in TrackingStatus],
        default=TrackingStatus.UNKNOWN,
    )
    tracking_status_at = models.DateTimeField(null=True, blank=True)
    # The first carrier scan (in transit or later): a merchant may release a return's
    # refund on it.
    first_scan_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    latest_event = models.CharField(max_length=300, blank=True)
    latest_event_at = models.DateTimeField(null=True, blank=True)
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ReturnShipment(TrackedParcel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="return_shipments")
    provider = models.CharField(max_length=30, default="easypost")
    # The AgentAction that asked for the label (its idempotency key): one label per action.
    reference = models.CharField(max_length=255)
    state = models.CharField(max_length=12, choices=LabelState.choices, default=LabelState.INTENDED)
    shipment_id = models.CharField(max_length=64, blank=True)
    tracker_id = models.CharField(max_length=64, blank=True)
    tracking_code = models.CharField(max_length=64, blank=True)
    carrier = models.CharField(max_length=64, blank=True)
    service = models.CharField(max_length=64, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    label_url = models.URLField(max_length=500, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    # A person checked the returned items (the dashboard): releases the refund when the
    # merchant's rule is "after inspection". Who did it is kept for the audit trail.
    inspected_at = models.DateTimeField(null=True, blank=True)
    inspected_by = models.CharField(max_length=200, blank=True)
    # The refund action released for this return (conversations.AgentAction, a layer
    # above: an id, not a foreign key). Set once, under a row lock: one refund per return.
    refund_action_id = models.BigIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "reference"], name="returnshipment_unique_store_reference"
            )
        ]
        indexes = [
            models.Index(fields=["store", "tracker_id"], name="returnshipment_store_tracker"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.tracking_code or self.reference} ({self.state})"


class OutboundState(models.TextChoices):
    REQUESTED = "requested", "Requested"  # the intent: no tracker at the provider yet
    TRACKING = "tracking", "Tracking"  # the provider tracks it; webhooks keep it fresh
    FAILED = "failed", "Failed"  # the provider refused it (e.g. carrier undetectable)


class OutboundTracker(TrackedParcel):
    """Where an order's parcel is, when the platform only has its tracking number.

    Not a ReturnShipment: that row is a return label (an AgentAction's reference, cost,
    refund release), while this one is keyed by the tracking number of a parcel the store
    shipped. One per (store, tracking number): the row is the intent, written before the
    provider is asked, and the provider's tracker id is saved as soon as it exists.
    The tracking fields mirror ReturnShipment's so `records.apply_tracking` serves both.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="outbound_trackers")
    provider = models.CharField(max_length=30, default="easypost")
    tracking_code = models.CharField(max_length=64)
    carrier = models.CharField(max_length=64, blank=True)  # as the platform named it
    # The platform's order id (not a foreign key: the snapshot may not hold the order yet).
    order_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        max_length=12, choices=OutboundState.choices, default=OutboundState.REQUESTED
    )
    tracker_id = models.CharField(max_length=64, blank=True)
    public_url = models.URLField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    latest_event_location = models.CharField(max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "tracking_code"], name="outboundtracker_unique_store_code"
            )
        ]
        indexes = [
            models.Index(fields=["store", "tracker_id"], name="outboundtracker_store_tracker"),
            models.Index(fields=["store", "order_id"], name="outboundtracker_store_order"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.tracking_code} ({self.tracking_status})"
