"""The demo platform's own records: catalogue, returns and the order timeline.

A demo store's order book is its `apps.orders.Order` rows; these models hold what a real
platform keeps besides orders. Every row belongs to one store.
"""

from __future__ import annotations

from django.db import models

from apps.orders.models import Order
from apps.stores.models import Store


class DemoProduct(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="demo_products")
    platform_id = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    handle = models.SlugField(max_length=255)
    product_type = models.CharField(max_length=100, blank=True)
    description = models.TextField(max_length=5000, blank=True)
    tags = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_id"], name="demoproduct_unique_store_platform_id"
            ),
            models.UniqueConstraint(fields=["store", "handle"], name="demoproduct_unique_handle"),
        ]

    def __str__(self) -> str:
        return self.title


class DemoVariant(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(DemoProduct, on_delete=models.CASCADE, related_name="variants")
    platform_id = models.CharField(max_length=64)
    title = models.CharField(max_length=100)
    sku = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # Untracked variants (gift cards) never run out.
    track_inventory = models.BooleanField(default=True)
    inventory_quantity = models.IntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_id"], name="demovariant_unique_store_platform_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.title}"

    @property
    def available(self) -> bool:
        return not self.track_inventory or self.inventory_quantity > 0


class DemoReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"
    CANCELED = "canceled", "Canceled"


# Returns in these states hold their items: the same item cannot go back twice.
ACTIVE_RETURN_STATUSES = (
    DemoReturnStatus.REQUESTED,
    DemoReturnStatus.OPEN,
    DemoReturnStatus.CLOSED,
)


class DemoReturn(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="demo_returns")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="demo_returns")
    platform_id = models.CharField(max_length=64)
    status = models.CharField(
        max_length=12, choices=DemoReturnStatus.choices, default=DemoReturnStatus.OPEN
    )
    reason = models.CharField(max_length=500, blank=True)
    # [{"id": line item id, "quantity": n}]
    line_items = models.JSONField(default=list)
    idempotency_key = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "platform_id"], name="demoreturn_unique_store_platform_id"
            ),
            models.UniqueConstraint(
                fields=["store", "idempotency_key"], name="demoreturn_unique_store_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} ({self.status})"


class DemoOrderEventKind(models.TextChoices):
    CANCELLED = "cancelled", "Cancelled"
    ADDRESS_UPDATED = "address_updated", "Shipping address updated"
    NOTE_ADDED = "note_added", "Note or tags added"


class DemoOrderEvent(models.Model):
    """The order's timeline on the demo platform; a keyed event makes its change idempotent."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="demo_events")
    kind = models.CharField(max_length=20, choices=DemoOrderEventKind.choices)
    idempotency_key = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="demoorderevent_unique_store_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on order {self.order_id}"


# Provider records live beside their protocol; imported here so Django registers them.
from apps.integrations.payments.models import PaymentRefundRecord  # noqa: E402, F401
from apps.integrations.shipping.models import ReturnShipment  # noqa: E402, F401
