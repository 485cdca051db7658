"""The refund route for orders paid through the store's payments provider (Stripe).

A REFUND action runs here instead of on the platform when the store connected Stripe and
the order names exactly one Stripe payment (apps.integrations.payments.matching). Before
money moves the payment must prove to be the order's, and the amount must fit what is
still refundable on it: the payment's own refunded total and every refund we asked for on
it that has not failed (a partial after a partial never exceeds the charge; Stripe refuses
more too). The provider's key is derived from the action (payments.base.refund_key), so a
resumed or retried execution finds the one refund instead of making another.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from apps.conversations.models import AgentAction
from apps.integrations.commerce.base import (
    CommerceError,
    CommerceProvider,
    OrderInfo,
    OrderNotFound,
    OrderPaymentsLookup,
    PlatformRejected,
)
from apps.integrations.payments.base import (
    PaymentsProvider,
    RefundRejected,
    RefundRequest,
    RefundStatus,
    refund_key,
)
from apps.integrations.payments.matching import (
    Ambiguous,
    Unidentified,
    mismatch,
    stripe_reference,
)
from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.payments.refunds import payment_refund_make
from apps.integrations.payments.registry import get_payments_provider

Outcome = tuple[dict[str, Any], dict[str, Any]]

# Indirection for tests (they point it at the Stripe stand-in).
payments_provider_for = get_payments_provider


def refund_through_payments(provider: CommerceProvider, action: AgentAction) -> Outcome | None:
    """(result, evidence) of a refund made through the payments provider, or None when this
    order is refunded on the platform. Raises PaymentsError (RefundRejected when the
    payment is not the order's or the amount does not fit)."""
    payments = payments_provider_for(action.store)
    if payments is None:
        return None
    order_id = str(action.parameters["order_id"])
    order = provider.get_order(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    if isinstance(provider, OrderPaymentsLookup):
        # Asked only here, with Stripe connected. When the platform cannot say how the
        # order was paid, the action fails as a refusal: nothing was asked of either rail
        # (refunding on the platform could be the wrong one), and the customer is told
        # that nothing changed and a person will look.
        try:
            paid_with = provider.order_payments(order.id)
        except CommerceError as exc:
            raise PlatformRejected(
                f"Could not tell how the order was paid ({exc}); nothing was refunded.",
                code="payment_unknown",
            ) from exc
        order = replace(order, payments=paid_with)
    try:
        reference = stripe_reference(order)
    except Ambiguous as exc:
        raise RefundRejected(str(exc), "ambiguous_payment") from exc
    except Unidentified as exc:
        raise RefundRejected(str(exc), "unidentified_payment") from exc
    if not reference:
        return None
    amount = Decimal(str(action.parameters["amount"]))
    request = RefundRequest(
        payment_reference=reference,
        amount=amount,
        currency=order.currency,
        key=refund_key(action.store_id, action.pk),
        metadata={"aftersale_action": str(action.pk), "order": order.name[:100]},
    )
    if not _made_before(action, request.key):
        _check(payments, order, action, reference, amount)
    record = payment_refund_make(store=action.store, request=request, payments=payments)
    if record.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
        raise RefundRejected(
            f"Stripe reports the refund {record.status} ({record.failure_reason or 'no reason'}).",
            record.failure_reason,
        )
    result = {
        "refund_id": record.refund_id,
        "amount": str(amount),
        "currency": order.currency,
        "provider": "stripe",
        "status": record.status,
    }
    evidence = {"provider": "stripe", "payment": reference, "refund": record.refund_id}
    return result, evidence


def _made_before(action: AgentAction, key: str) -> bool:
    """This action's refund was already asked for (a resumed execution): it is finished
    under its key, never checked against a refundable amount it already lowered."""
    return PaymentRefundRecord.objects.filter(store_id=action.store_id, key=key).exists()


def _check(
    payments: PaymentsProvider,
    order: OrderInfo,
    action: AgentAction,
    reference: str,
    amount: Decimal,
) -> None:
    payment = payments.get_payment(reference)
    problem = mismatch(order, payment)
    if problem:
        raise RefundRejected(problem, "payment_mismatch")
    # The payment's refunded total counts every refund Stripe made (pending ones too);
    # ours whose answer was lost may be made without it knowing yet.
    refundable = payment.refundable - _unsettled(action.store_id, reference)
    if amount > refundable:
        raise RefundRejected(
            f"Only {max(refundable, Decimal(0))} {payment.currency} is still refundable on the "
            "Stripe payment.",
            "amount_too_large",
        )


def _unsettled(store_id: int, reference: str) -> Decimal:
    """Refunds we asked for on this payment that the provider may not count yet (no answer
    recorded: a lost response); counted against what is refundable."""
    total = (
        PaymentRefundRecord.objects.filter(
            store_id=store_id, payment_reference=reference, refund_id=""
        )
        .exclude(status__in=[RefundStatus.FAILED, RefundStatus.CANCELED])
        .aggregate(total=Sum("amount"))["total"]
    )
    return Decimal(total or 0)
