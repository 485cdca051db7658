"""Refunds made through a payments provider (Stripe), keyed by our durable refund key.

The row is the intent: written before the provider is called, so a retry after Stripe's
24 h idempotency window is decided by it (and by the provider's metadata lookup), and the
provider's later word (webhooks: refund.updated / refund.failed) has a row to land on.
"""

from __future__ import annotations

from django.db import models

from apps.integrations.payments.base import RefundStatus
from apps.stores.models import Store

# A status never moves back to an earlier rank (webhooks arrive unordered); a refund that
# succeeded can still fail later (Stripe reports it), a failed or canceled one is final.
STATUS_RANK = {
    RefundStatus.PENDING: 0,
    RefundStatus.REQUIRES_ACTION: 0,
    RefundStatus.SUCCEEDED: 1,
    RefundStatus.FAILED: 2,
    RefundStatus.CANCELED: 2,
}


class PaymentRefundRecord(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="payment_refunds")
    provider = models.CharField(max_length=30, default="stripe")
    key = models.CharField(max_length=255)  # payments.base.refund_key(store, action)
    payment_reference = models.CharField(max_length=255)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    refund_id = models.CharField(max_length=255, blank=True)  # empty until the provider answers
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.value.replace("_", " ")) for s in RefundStatus],
        default=RefundStatus.PENDING,
    )
    failure_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "key"], name="paymentrefund_unique_store_key")
        ]
        indexes = [
            models.Index(fields=["store", "refund_id"], name="paymentrefund_store_refund"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.refund_id or self.key} ({self.status})"
