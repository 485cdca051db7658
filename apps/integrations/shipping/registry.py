"""The shipping provider a store connected (today: EasyPost), built from its credential."""

from __future__ import annotations

from apps.integrations.shipping.base import NotAuthorized, ShippingProvider
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store


class ShippingNotConnected(NotAuthorized):
    """The store has no working shipping integration: no label can be bought."""


def get_shipping_provider(store: Store) -> ShippingProvider:
    credential = IntegrationCredential.objects.filter(
        store=store, provider="easypost", status=IntegrationStatus.CONNECTED
    ).first()
    config = credential.revealed_config() if credential is not None else {}
    if not config.get("api_key"):
        raise ShippingNotConnected("EasyPost is not connected for this store.")
    # Imported here: the registry names providers, it does not load them all.
    from apps.integrations.shipping.easypost.provider import EasyPostShipping

    return EasyPostShipping.for_config(config)
