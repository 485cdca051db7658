"""What every payments provider does (conftest.BACKENDS), seen through the protocol."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.integrations.payments.base import (
    KeyConflict,
    NotPermitted,
    RefundRejected,
    RefundRequest,
    RefundStatus,
    Transient,
    from_minor,
    refund_key,
    to_minor,
)
from tests.integrations.payments.conftest import PaymentsWorld


def _request(reference: str, amount: str, key: str = "aftersale-refund-1-10") -> RefundRequest:
    return RefundRequest(
        payment_reference=reference,
        amount=Decimal(amount),
        currency="USD",
        key=key,
        metadata={"aftersale_store": "1", "aftersale_action": "10"},
    )


def test_a_refund_is_made_in_minor_units_with_our_key_and_metadata(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    refund = payments.provider.refund(_request(reference, "30.50"))
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.final
    assert (refund.amount, refund.currency) == (Decimal("30.50"), "USD")
    assert refund.payment_reference == reference
    assert refund.key == "aftersale-refund-1-10"
    assert payments.refunds_made() == 1


def test_the_same_request_again_is_the_same_refund(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    first = payments.provider.refund(_request(reference, "30"))
    assert payments.provider.refund(_request(reference, "30")) == first
    assert payments.refunds_made() == 1


def test_a_500_after_the_refund_was_made_never_makes_a_second(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    payments.standin.fail_after_create = 1
    with pytest.raises(Transient):
        payments.provider.refund(_request(reference, "30"))
    retried = payments.provider.refund(_request(reference, "30"))  # the task's retry
    assert retried.amount == Decimal("30")
    assert retried.status == RefundStatus.SUCCEEDED
    assert payments.refunds_made() == 1


def test_beyond_the_idempotency_window_our_key_still_finds_the_refund(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    first = payments.provider.refund(_request(reference, "30"))
    payments.standin.expire_keys()
    assert payments.provider.refund(_request(reference, "30")) == first
    assert payments.refunds_made() == 1


def test_two_partial_refunds_of_the_same_amount_are_two_refunds(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    first = payments.provider.refund(_request(reference, "30", key="aftersale-refund-1-10"))
    second = payments.provider.refund(_request(reference, "30", key="aftersale-refund-1-11"))
    assert first.id != second.id
    assert payments.refunds_made() == 2


def test_partial_refunds_never_exceed_the_charge(payments: PaymentsWorld):
    reference = payments.pay(Decimal("50.00"), "USD")
    payments.provider.refund(_request(reference, "30", key="k-1"))
    with pytest.raises(RefundRejected) as raised:
        payments.provider.refund(_request(reference, "30", key="k-2"))
    assert raised.value.code == "amount_too_large"
    assert not raised.value.retryable
    payments.provider.refund(_request(reference, "20", key="k-3"))
    with pytest.raises(RefundRejected) as again:
        payments.provider.refund(_request(reference, "1", key="k-4"))
    assert again.value.code == "charge_already_refunded"
    assert payments.refunds_made() == 2


def test_the_same_key_with_another_amount_is_a_conflict(payments: PaymentsWorld):
    reference = payments.pay(Decimal("110.00"), "USD")
    payments.standin.fail_after_create = 1
    with pytest.raises(Transient):
        payments.provider.refund(_request(reference, "30"))
    payments.standin.accounts["sk_test_storeA"].refunds.clear()  # not findable by metadata
    with pytest.raises(KeyConflict):
        payments.provider.refund(_request(reference, "31"))


def test_a_key_without_refund_permission_is_not_permitted(payments: PaymentsWorld):
    reference = payments.pay(Decimal("10.00"), "USD")
    with pytest.raises(NotPermitted) as raised:
        payments.restricted_provider.refund(_request(reference, "5"))
    assert "rak_refund_write" in raised.value.message
    assert "rk_test_readonly" not in raised.value.message


def test_another_accounts_payment_cannot_be_refunded(payments: PaymentsWorld):
    reference = payments.pay(Decimal("10.00"), "USD")
    with pytest.raises(RefundRejected) as raised:
        payments.other_provider.refund(_request(reference, "5"))
    assert raised.value.code == "resource_missing"
    assert payments.refunds_made() == 0


def test_a_non_stripe_reference_is_refused_before_any_call(payments: PaymentsWorld):
    with pytest.raises(RefundRejected):
        payments.provider.refund(_request("gid://shopify/Order/1", "5"))


@pytest.mark.parametrize("status", [500, 503])
def test_an_outage_is_transient_and_the_retry_refunds_once(payments: PaymentsWorld, status):
    reference = payments.pay(Decimal("10.00"), "USD")
    payments.standin.fail_next = [status]
    with pytest.raises(Transient):
        payments.provider.refund(_request(reference, "5"))
    payments.provider.refund(_request(reference, "5"))
    assert payments.refunds_made() == 1


def test_a_refund_found_later_reports_its_failure(payments: PaymentsWorld):
    reference = payments.pay(Decimal("10.00"), "USD")
    refund = payments.provider.refund(_request(reference, "5"))
    payments.standin.settle("sk_test_storeA", refund.id, "failed")
    found = payments.provider.get_refund(refund.id)
    assert found.status == RefundStatus.FAILED
    assert found.failure_reason
    assert payments.provider.find_refund(reference, refund.key) == found


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("30.50", "USD", 3050), ("1", "EUR", 100), ("500", "JPY", 500), ("1.250", "KWD", 1250)],
)
def test_amounts_convert_exactly_to_minor_units(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "currency"), [("30.505", "USD"), ("0.5", "JPY"), ("0", "USD"), ("-1", "USD")]
)
def test_an_amount_that_is_not_whole_minor_units_is_refused(amount, currency):
    with pytest.raises(ValueError, match="not a refundable amount"):
        to_minor(Decimal(amount), currency)


def test_the_key_is_per_store_and_action():
    assert refund_key(3, 41) != refund_key(3, 42) != refund_key(4, 41)
    assert len(refund_key(10**9, 10**12)) <= 255  # Stripe's idempotency key limit
