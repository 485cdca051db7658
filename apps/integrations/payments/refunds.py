"""Making a refund through the store's payments provider, at most once per key.

The intent row (PaymentRefundRecord) is written before the provider is called; the
provider sends the same key as its idempotency key and finds the refund by it in its
metadata after the idempotency window, so a retry after a lost answer (a 500 after the
refund was made, a killed worker) records the one refund instead of making another.
A key is never reused for a different refund: that is refused before any call.

A key without refund permission marks the store's integration failing, with the
provider's message, so the merchant sees what to fix.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.integrations.payments.base import (
    KeyConflict,
    NotPermitted,
    PaymentsProvider,
    RefundRequest,
    RefundStatus,
)
from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.payments.records import apply_refund
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


def payment_refund_make(
    *, store: Store, request: RefundRequest, payments: PaymentsProvider, provider: str = "stripe"
) -> PaymentRefundRecord:
    """The refund's row after asking the provider. Raises the protocol's PaymentsError:
    retryable ones (Transient, RateLimited) leave the row for the retry to finish."""
    row = _intent(store, request, provider)
    if row.refund_id and row.status != RefundStatus.PENDING:
        return row  # the provider already answered; webhooks keep it current
    try:
        refund = payments.refund(request)
    except NotPermitted as exc:
        IntegrationCredential.objects.filter(store=store, provider=provider).update(
            status=IntegrationStatus.FAILING,
            last_error=(exc.message or "The key may not make refunds.")[:500],
            last_checked_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        locked = PaymentRefundRecord.objects.select_for_update().get(pk=row.pk)
        changed = apply_refund(locked, refund)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
    return locked


def _intent(store: Store, request: RefundRequest, provider: str) -> PaymentRefundRecord:
    defaults = {
        "provider": provider,
        "payment_reference": request.payment_reference,
        "amount": request.amount,
        "currency": request.currency.upper(),
    }
    try:
        with transaction.atomic():
            row, _ = PaymentRefundRecord.objects.get_or_create(
                store=store, key=request.key, defaults=defaults
            )
    except IntegrityError:  # created concurrently by another attempt
        row = PaymentRefundRecord.objects.get(store=store, key=request.key)
    if (
        row.payment_reference != request.payment_reference
        or row.amount != request.amount
        or row.currency != request.currency.upper()
    ):
        raise KeyConflict("This refund key was already used for another refund.", "key_reused")
    return row
