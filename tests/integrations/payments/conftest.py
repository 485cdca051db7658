"""Backends of the payments contract. A new provider adds its name to BACKENDS and a
`<name>_payments` fixture returning a `PaymentsWorld` over its stand-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from apps.integrations.payments.base import PaymentsProvider
from apps.integrations.payments.stripe.provider import StripePayments
from standins.stripe import StripeStandIn

BACKENDS = ["stripe"]
KEY_A, KEY_B, KEY_NO_REFUNDS = "sk_test_storeA", "sk_test_storeB", "rk_test_readonly"


@dataclass
class PaymentsWorld:
    provider: PaymentsProvider
    other_provider: PaymentsProvider
    restricted_provider: PaymentsProvider  # a key without refund permission
    pay: Callable[[Decimal, str], str]  # a payment on store A's account → its reference
    refunds_made: Callable[[], int]  # refunds actually created on store A's account
    standin: StripeStandIn


@pytest.fixture
def stripe_payments() -> PaymentsWorld:
    standin = StripeStandIn((KEY_A, KEY_B, KEY_NO_REFUNDS))
    standin.no_refund_permission.add(KEY_NO_REFUNDS)

    def pay(amount: Decimal, currency: str) -> str:
        from apps.integrations.payments.base import to_minor

        return standin.add_payment(KEY_A, to_minor(amount, currency), currency.lower()).intent_id

    return PaymentsWorld(
        provider=StripePayments(standin.client(KEY_A)),
        other_provider=StripePayments(standin.client(KEY_B)),
        restricted_provider=StripePayments(standin.client(KEY_NO_REFUNDS)),
        pay=pay,
        refunds_made=lambda: standin.accounts[KEY_A].created,
        standin=standin,
    )


@pytest.fixture(params=BACKENDS)
def payments(request: pytest.FixtureRequest) -> PaymentsWorld:
    return request.getfixturevalue(f"{request.param}_payments")
