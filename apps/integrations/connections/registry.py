"""Every provider a store can connect, by key (the order is the page's order)."""

from __future__ import annotations

from apps.dashboard.connections import (
    easypost,
    front,
    gorgias,
    intercom,
    sendgrid,
    stripe,
    twilio,
    zendesk,
)
from apps.dashboard.connections.base import ProviderSpec

PROVIDERS: dict[str, ProviderSpec] = {
    spec.key: spec
    for spec in (
        gorgias.SPEC,
        zendesk.SPEC,
        front.SPEC,
        intercom.SPEC,
        easypost.SPEC,
        stripe.SPEC,
        sendgrid.SPEC,
        twilio.SPEC,
    )
}


def provider(key: str) -> ProviderSpec | None:
    return PROVIDERS.get(key)
