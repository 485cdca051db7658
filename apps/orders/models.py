"""The local order snapshot: one row per store + platform order id.

Kept fresh by webhooks (and, for the demo platform, it *is* the store's order book).
The agent reads it first. JSON columns hold provider-neutral shapes:

line_items:   [{"id", "product_id", "variant_id", "title", "variant_title", "sku",
                "quantity", "price", "fulfilled_quantity", "refunded_quantity", "tags"}]
fulfillments: [{"id", "status", "shipment_status", "tracking_company", "tracking_number",
                "tracking_url", "tracking": [{"number", "company", "url"}] (several parcels),
                "created_at", "updated_at", "estimated_delivery_at", "delivered_at",
                "latest_event", "latest_event_at", "line_items": [{"id", "quantity"}]}]
refunds:      [{"id", "amount", "currency", "created_at", "note", "idempotency_key",
                "notify_customer", "line_items": [{"id", "quantity"}]}]
shipping_address / billing_address: {"name", "address1", "address2", "city", "province",
                "zip", "country", "country_code", "phone"}
Money is a decimal string in `currency`; timestamps are ISO 8601.
"""

from __future__ import annotations

from django.db import models

from apps.stores.models import Store


class FinancialStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AUTHORIZED = "authorized", "Authorized"
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"
    UNKNOWN = "unknown", "Unknown"


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    RESTOCKED = "restocked", "Restocked"
    ON_HOLD = "on_hold", "On hold"
    UNKNOWN = "unknown", "Unknown"


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    platform_order_id = models.CharField(max_length=64)
    # The human-facing name ("#1001") and its number (1001) for lookups.
    name = models.CharField(max_length=64)
    number = models.BigIntegerField(null=True, blank=True)

    customer_platform_id = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)

    financial_status = models.CharField(
        max_length=24, choices=FinancialStatus.choices, default=FinancialStatus.UNKNOWN
    )
    fulfillment_status = models.CharField(
        max_length=24, choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=40, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    currency = models.CharField(max_length=3, default="USD")
    subtotal_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_shipping = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    line_items = models.JSONField(default=list, blank=True)
    fulfillments = models.JSONField(default=list, blank=True)
    refunds = models.JSONField(default=list, blank=True)
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    # Payments taken outside the platform (commerce.base.PaymentReference as JSON): where a
    # refund through the payment provider finds the payment.
    payment_references = models.JSONField(default=list, blank=True)
    # Platforms whose order reads leave payments out (Shopify: its own small query, read
    # only before a refund): the platform's updatedAt of the version payment_references
    # were read from. Null = never read; older than platform_updated_at = read again.
    payments_read_for = models.DateTimeField(null=True, blank=True)
    status_url = models.URLField(max_length=500, blank=True)

    platform_created_at = models.DateTimeField(null=True, blank=True)
    # The platform's updated_at of the version we hold: an older update never overwrites it.
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_order_id"], name="order_unique_store_platform_id"
            )
        ]
        indexes = [
            models.Index(fields=["store", "number"]),
            models.Index(fields=["store", "name"]),
            models.Index(fields=["store", "email"]),
            models.Index(fields=["store", "customer_platform_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.store_id})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class OrderSyncStatus(models.TextChoices):
    IDLE = "idle", "Idle"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OrderSyncMode(models.TextChoices):
    PAGES = "pages", "Pages"
    BULK = "bulk", "Bulk operation"


class OrderSync(models.Model):
    """Progress of a store's order backfill, resumable after a crash: from `cursor` (the
    GraphQL page cursor) when paging, from the bulk_* columns when reading a bulk
    operation's result file."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="order_sync")
    status = models.CharField(
        max_length=10, choices=OrderSyncStatus.choices, default=OrderSyncStatus.IDLE
    )
    window_days = models.PositiveIntegerField(default=90)
    cursor = models.TextField(blank=True)
    mode = models.CharField(
        max_length=5, choices=OrderSyncMode.choices, default=OrderSyncMode.PAGES
    )
    # Which operation, and how many lines (and bytes, for an HTTP Range) of its file are
    # already in the snapshot. Written compare-and-set: two workers never both move on.
    bulk_operation_id = models.CharField(max_length=100, blank=True)
    bulk_lines = models.PositiveBigIntegerField(default=0)
    bulk_offset = models.PositiveBigIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    total_estimate = models.PositiveIntegerField(null=True, blank=True)
    points_used = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"order sync {self.status} for {self.store_id}"
