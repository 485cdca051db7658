"""The webhook inbox: every delivery we accepted, and what became of it.

A row is written before the request is answered, so nothing a provider delivered is
lost when Redis or the worker is down; the sweep re-enqueues what is still pending.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.stores.models import Store


class Provider(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    EASYPOST = "easypost", "EasyPost"
    STRIPE = "stripe", "Stripe"
    GORGIAS = "gorgias", "Gorgias"
    ZENDESK = "zendesk", "Zendesk"
    FRONT = "front", "Front"
    INTERCOM = "intercom", "Intercom"
    BIGCOMMERCE = "bigcommerce", "BigCommerce"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    TWILIO = "twilio", "Twilio"
    SENDGRID = "sendgrid", "SendGrid"


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"


# Rows the sweep and the worker still care about; everything else is history.
OPEN_STATUSES = (WebhookStatus.PENDING, WebhookStatus.PROCESSING, WebhookStatus.FAILED)


class WebhookEvent(models.Model):
    provider = models.CharField(max_length=20, choices=Provider.choices)
    # Null when the shop was unknown on arrival (the row is kept, marked ignored), and
    # after a shop/redact erased the store (the redact event itself stays as the record).
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events"
    )
    shop_domain = models.CharField(max_length=255)
    topic = models.CharField(max_length=100)
    # The dedupe key: the provider's event id (shared by redeliveries of one event), or
    # the delivery's webhook id when the event id header is absent.
    event_id = models.CharField(max_length=128)
    webhook_id = models.CharField(max_length=128)
    api_version = models.CharField(max_length=32, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(
        max_length=12, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Why an event was ignored, or what processing concluded ("stale", "duplicate refund").
    note = models.CharField(max_length=300, blank=True)
    # When the current (or last) attempt claimed the row; the fencing token of that attempt.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When a failed event is due for its next automatic attempt (None = no more attempts).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task for this row was last handed to the broker (or tried to be).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="webhookevent_unique_provider_event"
            )
        ]
        indexes = [
            models.Index(fields=["shop_domain", "topic"], name="webhookevent_shop_topic"),
            # The retention purge walks events oldest first.
            models.Index(fields=["received_at"], name="webhookevent_received_at"),
            # Small: only rows that still need work. Serves the sweep and the worker.
            models.Index(
                fields=["status", "dispatched_at"],
                name="webhookevent_open",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The pending sweep takes the oldest passed-over rows first (ORDER BY id with
            # a LIMIT): read in id order, it stops after a batch instead of sorting every
            # stranded event of an outage.
            models.Index(
                fields=["id"],
                name="webhookevent_pending_id",
                condition=models.Q(status=WebhookStatus.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.topic} {self.event_id} ({self.status})"


class CustomerDataExport(models.Model):
    """What we hold about one customer of one store, assembled for a customers/data_request.

    The merchant downloads it (admin, dashboard) and passes it on to the customer.
    One row per data request: a redelivered request rebuilds the same row.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customer_data_exports")
    webhook_event = models.ForeignKey(
        WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_request_id = models.CharField(max_length=64)
    customer_platform_id = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    orders_requested = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "data_request_id"], name="customerdataexport_unique_request"
            )
        ]

    def __str__(self) -> str:
        return f"data export {self.data_request_id} ({self.store_id})"
