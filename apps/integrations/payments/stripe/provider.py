"""Stripe as a `PaymentsProvider`: refunds through the official SDK (`StripeClient`, v1).

platforms.md §4 and §8.1-2, 8.14. What this module guarantees:

- the idempotency key is ours (`RefundRequest.key`, from the AgentAction), never the SDK's
  random per-call one, so a Celery retry replays the first answer instead of refunding again;
- the key is also stored as metadata, and `refund` first looks the payment's refunds up by
  it: beyond Stripe's ~24 h idempotency window our key still finds the refund;
- amounts go in minor units (`to_minor`), exact or refused;
- Stripe's errors become the protocol's: 401/403 → NotPermitted (restricted key without
  `rak_refund_write`), 400 amount_too_large / charge_already_refunded → RefundRejected,
  idempotency_error → KeyConflict, 429 → RateLimited, 5xx/network → Transient.

`StripeObject` is no longer a dict in v15+: objects are read with `to_dict()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import stripe
from django.conf import settings

from apps.core.logging import redact
from apps.integrations.payments.base import (
    KeyConflict,
    NotPermitted,
    PaymentInfo,
    PaymentRefund,
    PaymentsError,
    RateLimited,
    RefundRejected,
    RefundRequest,
    RefundStatus,
    Transient,
    from_minor,
    to_minor,
)

logger = logging.getLogger(__name__)

KEY_METADATA = "aftersale_key"  # ≤ 40 characters, no brackets (Stripe metadata rules)
MAX_MESSAGE = 300
TIMEOUT_SECONDS = 20
PAGE = 100

T = TypeVar("T")


class StripePayments:
    """One store's Stripe account. `for_config` builds the real client; tests pass one whose
    HTTP client is the stand-in (standins/stripe)."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    @classmethod
    def for_config(cls, config: Mapping[str, str]) -> StripePayments:
        base = settings.PAYMENTS_STRIPE_API_BASE  # a stand-in's address (tests, benchmarks)
        return cls(
            stripe.StripeClient(
                config["secret_key"],
                max_network_retries=2,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
                **({"base_addresses": {"api": base}} if base else {}),  # type: ignore[arg-type]
            )
        )

    def refund(self, request: RefundRequest) -> PaymentRefund:
        existing = self.find_refund(request.payment_reference, request.key)
        if existing is not None:
            return existing
        params: dict[str, Any] = {
            _reference_param(request.payment_reference): request.payment_reference,
            "amount": to_minor(request.amount, request.currency),
            "reason": "requested_by_customer",
            "metadata": {**request.metadata, KEY_METADATA: request.key},
        }
        created = _call(
            lambda: self.client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.key},
            )
        )
        return refund_from(created.to_dict())

    def find_refund(self, payment_reference: str, key: str) -> PaymentRefund | None:
        params: dict[str, Any] = {_reference_param(payment_reference): payment_reference}
        params["limit"] = PAGE
        while True:
            page = _call(lambda: self.client.v1.refunds.list(params=params)).to_dict()  # type: ignore[arg-type]  # noqa: B023
            data = [r for r in page.get("data") or () if isinstance(r, dict)]
            for refund in data:
                metadata = refund.get("metadata")
                if isinstance(metadata, dict) and metadata.get(KEY_METADATA) == key:
                    return refund_from(refund)
            if not page.get("has_more") or not data:
                return None
            params["starting_after"] = data[-1]["id"]

    def get_refund(self, refund_id: str) -> PaymentRefund:
        return refund_from(_call(lambda: self.client.v1.refunds.retrieve(refund_id)).to_dict())

    def get_payment(self, payment_reference: str) -> PaymentInfo:
        """A PaymentIntent with its latest charge expanded (what was refunded lives on the
        charge), or a charge."""
        if _reference_param(payment_reference) == "payment_intent":
            intent = _call(
                lambda: self.client.v1.payment_intents.retrieve(
                    payment_reference,
                    params={"expand": ["latest_charge"]},
                )
            ).to_dict()
            return payment_from(intent)
        charge = _call(lambda: self.client.v1.charges.retrieve(payment_reference)).to_dict()
        return payment_from({**charge, "latest_charge": charge})


def _reference_param(reference: str) -> str:
    """Stripe takes a refund's payment as `payment_intent` (pi_…) or `charge` (ch_/py_…)."""
    if reference.startswith("pi_"):
        return "payment_intent"
    if reference.startswith(("ch_", "py_")):
        return "charge"
    raise RefundRejected("This payment reference is not a Stripe payment.", "invalid_reference")


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except stripe.StripeError as exc:
        raise typed_error(exc) from exc


def typed_error(exc: stripe.StripeError) -> PaymentsError:
    said = redact(" ".join(str(getattr(exc, "user_message", None) or exc).split()))
    said = said[:MAX_MESSAGE]
    code = str(getattr(exc, "code", "") or "")
    status = exc.http_status or 0
    if isinstance(exc, stripe.IdempotencyError):
        return KeyConflict(said, "idempotency_error")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return NotPermitted(said or "Stripe refused the key.", code or "not_permitted")
    if isinstance(exc, stripe.RateLimitError):
        return RateLimited(said, code)
    if isinstance(exc, stripe.APIConnectionError) or status >= 500 or not status:
        return Transient(said or "Stripe did not answer.", code)
    return RefundRejected(said or f"Stripe refused the refund (HTTP {status}).", code)


def refund_from(data: Mapping[str, Any]) -> PaymentRefund:
    currency = str(data.get("currency") or "").upper()
    try:
        status = RefundStatus(str(data.get("status")))
    except ValueError:
        status = RefundStatus.PENDING
    metadata = data.get("metadata")
    amount = data.get("amount")
    return PaymentRefund(
        id=str(data.get("id") or ""),
        status=status,
        amount=from_minor(amount if isinstance(amount, int) else 0, currency),
        currency=currency,
        payment_reference=str(data.get("payment_intent") or data.get("charge") or ""),
        key=str(metadata.get(KEY_METADATA, "")) if isinstance(metadata, dict) else "",
        failure_reason=str(data.get("failure_reason") or ""),
    )


def payment_from(data: Mapping[str, Any]) -> PaymentInfo:
    """A PaymentIntent (its `latest_charge` expanded) or a charge, as a PaymentInfo."""
    currency = str(data.get("currency") or "").upper()
    charge = data.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    received = data.get("amount_received", data.get("amount_captured", data.get("amount")))
    refunded = charge.get("amount_refunded")
    metadata = data.get("metadata")
    details = charge.get("billing_details")
    email = (
        data.get("receipt_email")
        or charge.get("receipt_email")
        or (details.get("email") if isinstance(details, dict) else "")
    )
    return PaymentInfo(
        id=str(data.get("id") or ""),
        amount=from_minor(received if isinstance(received, int) else 0, currency),
        refunded=from_minor(refunded if isinstance(refunded, int) else 0, currency),
        currency=currency,
        succeeded=data.get("status") == "succeeded",
        email=str(email or ""),
        metadata=(
            {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}
        ),
    )
