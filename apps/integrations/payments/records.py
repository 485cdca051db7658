"""Applying what the payments provider reported to our refund rows: never backwards."""

from __future__ import annotations

from apps.integrations.payments.base import PaymentRefund
from apps.integrations.payments.models import STATUS_RANK, PaymentRefundRecord


def apply_refund(record: PaymentRefundRecord, refund: PaymentRefund) -> list[str]:
    """Update `record` (locked by the caller) from the provider's refund; the fields changed.

    A pending after a succeeded (events arrive unordered) changes nothing; a failed after a
    succeeded does (Stripe can fail a refund after reporting it succeeded).
    """
    changed: list[str] = []
    if not record.refund_id and refund.id:
        record.refund_id = refund.id
        changed.append("refund_id")
    current = STATUS_RANK.get(record.status, 0)  # type: ignore[call-overload]
    if STATUS_RANK[refund.status] > current:
        record.status = refund.status
        changed.append("status")
        if refund.failure_reason:
            record.failure_reason = refund.failure_reason[:100]
            changed.append("failure_reason")
    return changed
