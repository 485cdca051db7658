"""Stripe: a secret or restricted key (Bearer); checked with GET /v1/balance."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import answer
from apps.integrations.connections.http import get

API = "https://api.stripe.com/v1"


def check_connection(config: Config) -> CheckResult:
    response = get(f"{API}/balance", headers={"Authorization": f"Bearer {config['secret_key']}"})
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "Stripe")
    if isinstance(body, CheckResult):
        return body
    if body.get("object") != "balance":
        return CheckResult(False, "Stripe answered in an unexpected way.")
    mode = "live" if body.get("livemode") else "test"
    return CheckResult(True, f"Connected to Stripe ({mode} mode)")


FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "secret_key",
        "Secret or restricted key",
        help="Developers → API keys. A restricted key with refund access is enough.",
        secret=True,
        pattern=r"(sk|rk)_(test|live)_[A-Za-z0-9]{8,247}",
        pattern_error="Stripe keys start with sk_ or rk_, then test_ or live_.",
        max_length=255,
    ),
    # Verifies refund events (Stripe-Signature) sent to this store's /webhooks/stripe/<id>.
    CredentialField(
        "webhook_secret",
        "Webhook signing secret",
        help="Developers → Webhooks → the endpoint for this store → Signing secret.",
        secret=True,
        pattern=r"whsec_[A-Za-z0-9]{8,247}",
        pattern_error="Stripe signing secrets start with whsec_.",
        max_length=255,
        required=False,  # the endpoint answers 404 until it is set
    ),
)

SPEC = ProviderSpec(
    key="stripe",
    name="Stripe",
    kind=ProviderKind.PAYMENTS,
    description="Refund payments taken through Stripe outside the store's checkout.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://docs.stripe.com/api/balance/balance_retrieve",
    colour="#635bff",
    endpoint="GET /v1/balance",
)
