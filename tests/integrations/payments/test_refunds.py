"""A refund through the store's payments provider is made once per key, whatever fails."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.integrations.payments.base import (
    KeyConflict,
    NotPermitted,
    RefundRequest,
    Transient,
    refund_key,
)
from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.payments.refunds import payment_refund_make
from apps.integrations.payments.stripe.provider import StripePayments
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus
from standins.stripe import StripeStandIn
from tests.factories import StoreFactory

KEY, RESTRICTED = "sk_test_refunds", "rk_test_norefunds"


@pytest.fixture
def standin() -> StripeStandIn:
    standin = StripeStandIn((KEY, RESTRICTED))
    standin.no_refund_permission.add(RESTRICTED)
    return standin


@pytest.fixture
def store(db: Any) -> Any:
    store = StoreFactory()
    IntegrationCredential.objects.create(
        store=store, provider="stripe", config=Secret("{}"), status=IntegrationStatus.CONNECTED
    )
    return store


def _request(store: Any, reference: str, amount: str, action_id: int = 7) -> RefundRequest:
    return RefundRequest(
        payment_reference=reference,
        amount=Decimal(amount),
        currency="usd",
        key=refund_key(store.pk, action_id),
    )


def test_the_refund_is_recorded_against_our_key(store, standin):
    payment = standin.add_payment(KEY, 5000)
    row = payment_refund_make(
        store=store,
        request=_request(store, payment.intent_id, "20.00"),
        payments=StripePayments(standin.client(KEY)),
    )
    assert row.refund_id.startswith("re_")
    assert (row.status, row.amount, row.currency) == ("succeeded", Decimal("20.00"), "USD")
    assert standin.accounts[KEY].created == 1


def test_a_500_after_the_refund_was_made_is_recorded_once_by_the_retry(store, standin):
    payment = standin.add_payment(KEY, 5000)
    payments = StripePayments(standin.client(KEY))
    standin.fail_after_create = 1
    with pytest.raises(Transient):
        payment_refund_make(
            store=store, request=_request(store, payment.intent_id, "20"), payments=payments
        )
    pending = PaymentRefundRecord.objects.get()
    assert (pending.refund_id, pending.status) == ("", "pending")  # the intent, kept
    standin.expire_keys()  # even past Stripe's idempotency window
    row = payment_refund_make(
        store=store, request=_request(store, payment.intent_id, "20"), payments=payments
    )
    assert row.status == "succeeded"
    assert row.refund_id
    assert standin.accounts[KEY].created == 1


def test_a_key_reused_for_another_amount_is_refused_before_any_call(store, standin):
    payment = standin.add_payment(KEY, 5000)
    payments = StripePayments(standin.client(KEY))
    payment_refund_make(
        store=store, request=_request(store, payment.intent_id, "20"), payments=payments
    )
    calls = len(standin.calls)
    with pytest.raises(KeyConflict):
        payment_refund_make(
            store=store, request=_request(store, payment.intent_id, "25"), payments=payments
        )
    assert len(standin.calls) == calls
    assert standin.accounts[KEY].created == 1


def test_a_key_without_refund_permission_marks_the_integration(store, standin):
    payment = standin.add_payment(RESTRICTED, 5000)
    with pytest.raises(NotPermitted):
        payment_refund_make(
            store=store,
            request=_request(store, payment.intent_id, "20"),
            payments=StripePayments(standin.client(RESTRICTED)),
        )
    credential = IntegrationCredential.objects.get(store=store, provider="stripe")
    assert credential.status == IntegrationStatus.FAILING
    assert "rak_refund_write" in credential.last_error
    assert RESTRICTED not in credential.last_error


def test_two_stores_keys_never_meet(db, standin):
    one, two = StoreFactory(), StoreFactory()
    payments = StripePayments(standin.client(KEY))
    for store in (one, two):
        payment = standin.add_payment(KEY, 5000)
        payment_refund_make(
            store=store, request=_request(store, payment.intent_id, "10"), payments=payments
        )
    assert PaymentRefundRecord.objects.count() == 2
    assert standin.accounts[KEY].created == 2
