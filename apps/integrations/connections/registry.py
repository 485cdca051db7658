"""Every provider a store can connect, by key (the order is the page's order)."""

from __future__ import annotations

from apps.integrations.connections.base import ProviderSpec
from apps.integrations.helpdesk.front import connection as front
from apps.integrations.helpdesk.gorgias import connection as gorgias
from apps.integrations.helpdesk.intercom import connection as intercom
from apps.integrations.helpdesk.zendesk import connection as zendesk
from apps.integrations.messaging.sendgrid import connection as sendgrid
from apps.integrations.messaging.twilio import connection as twilio
from apps.integrations.payments.stripe import connection as stripe
from apps.integrations.shipping.easypost import connection as easypost

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


# Whether a merchant can connect the provider today. A provider is switched on (True) by the
# change that makes its integration work end to end (mirroring tickets, sending messages,
# buying labels, ...); until then the integrations page lists it as "coming soon", nothing
# is stored for it, and the plans do not sell what it would bring (billing.plans).
CONNECTABLE: dict[str, bool] = {
    "gorgias": True,
    "zendesk": True,
    "front": True,
    "intercom": True,
    "easypost": True,
    "stripe": True,
    "sendgrid": True,
    "twilio": True,
}


def provider(key: str) -> ProviderSpec | None:
    return PROVIDERS.get(key)


def connectable(spec: ProviderSpec) -> bool:
    return CONNECTABLE.get(spec.key, False)
