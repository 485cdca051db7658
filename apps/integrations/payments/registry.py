"""The payments provider a store connected (today: Stripe), built from its credential."""

from __future__ import annotations

from apps.integrations.payments.base import PaymentsProvider
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


def get_payments_provider(store: Store) -> PaymentsProvider | None:
    """The store's connected payments provider, None when there is none.

    A connection marked failing (e.g. a key found without refund permission) is still
    used: the merchant may have fixed the key's permissions since, and Stripe's answer is
    what decides (a refusal marks it failing again)."""
    credential = (
        IntegrationCredential.objects.filter(store=store, provider="stripe")
        .exclude(status=IntegrationStatus.NOT_CONNECTED)
        .first()
    )
    config = credential.revealed_config() if credential is not None else {}
    if not config.get("secret_key"):
        return None
    # Imported here: the registry names providers, it does not load them all.
    from apps.integrations.payments.stripe.provider import StripePayments

    return StripePayments.for_config(config)
