"""The payments protocol: refunds for orders paid outside the store platform's own payments.

Provider-neutral and typed. Stripe implements `PaymentsProvider` in `payments/stripe/`.
Money is `Decimal` in the order's currency; conversion to the provider's minor units lives
here (`to_minor`) so every provider rounds the same way (never: a refund is exact or refused).

A refund is asked for with a durable `key` derived from our AgentAction (`refund_key`): the
provider sends it as the idempotency key AND stores it on the refund (metadata), so a retry
inside the provider's idempotency window replays the first answer and a retry after it
finds the refund by its key instead of creating a second one. Calls block: use Celery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

# ISO 4217 currencies Stripe charges without a minor unit / with three decimals
# (docs.stripe.com/currencies). Everything else has two.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """`amount` in the currency's minor units; ValueError when it is not a whole number of
    them or not positive (a refund is never rounded)."""
    scaled = amount.scaleb(exponent(currency))
    if amount <= 0 or scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency.upper()} is not a refundable amount")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def refund_key(store_id: int, action_id: int) -> str:
    """The durable key of the refund one AgentAction asks for (one action, one refund)."""
    return f"aftersale-refund-{store_id}-{action_id}"


# ---------------------------------------------------------------- values


class RefundStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


FINAL_STATUSES = frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED})


@dataclass(frozen=True)
class RefundRequest:
    payment_reference: str  # the provider's payment (Stripe: pi_… or ch_…)
    amount: Decimal
    currency: str
    key: str  # refund_key(...): idempotency key and metadata
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentRefund:
    id: str
    status: RefundStatus
    amount: Decimal
    currency: str
    payment_reference: str
    key: str = ""  # the key we stored on it ("" for refunds made elsewhere)
    failure_reason: str = ""

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True)
class PaymentInfo:
    """A payment at the provider, as much as matching it to an order needs."""

    id: str
    amount: Decimal  # what was captured
    refunded: Decimal  # what was refunded so far, by anyone
    currency: str
    succeeded: bool
    email: str = ""  # the receipt email, when the payment has one
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def refundable(self) -> Decimal:
        return max(Decimal(0), self.amount - self.refunded)


# ---------------------------------------------------------------- errors


class PaymentsError(Exception):
    """A payments call failed. `message` may be shown to the merchant (never a secret)."""

    retryable = False

    def __init__(self, message: str = "", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class RefundRejected(PaymentsError):
    """The provider refused this refund (more than is refundable, already refunded, unknown
    payment): retrying will not help; a person should look."""


class NotPermitted(PaymentsError):
    """The key is wrong, revoked or lacks refund permission: the integration needs the
    merchant (the connection is marked failing)."""


class KeyConflict(PaymentsError):
    """The same key was used with other parameters: a bug on our side, never retried."""


class RateLimited(PaymentsError):
    retryable = True


class Transient(PaymentsError):
    """Network failure, timeout or a 5xx. The refund may have been created: retry with the
    same request (same key), which finds it."""

    retryable = True


# ---------------------------------------------------------------- the protocol


@runtime_checkable
class PaymentsProvider(Protocol):
    def refund(self, request: RefundRequest) -> PaymentRefund:
        """Refund `request.amount` of the payment, at most once per `request.key`."""
        ...

    def find_refund(self, payment_reference: str, key: str) -> PaymentRefund | None:
        """The refund of this payment made with `key`, whenever it was made."""
        ...

    def get_refund(self, refund_id: str) -> PaymentRefund: ...

    def get_payment(self, payment_reference: str) -> PaymentInfo:
        """The payment (amount, refunded so far, currency, email, metadata). Raises
        RefundRejected for a payment this account does not have."""
        ...
