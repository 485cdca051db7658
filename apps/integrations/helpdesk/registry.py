"""The helpdesk provider for a stored tenant, by its provider key."""

from __future__ import annotations

from collections.abc import Callable

from apps.integrations.helpdesk.base import HelpdeskProvider, Tenant
from apps.integrations.helpdesk.front.provider import FrontProvider
from apps.integrations.helpdesk.gorgias.provider import GorgiasProvider
from apps.integrations.helpdesk.intercom.provider import IntercomProvider
from apps.integrations.helpdesk.zendesk.provider import ZendeskProvider

PROVIDERS: dict[str, Callable[[Tenant], HelpdeskProvider]] = {
    "gorgias": GorgiasProvider,
    "zendesk": ZendeskProvider,
    "front": FrontProvider,
    "intercom": IntercomProvider,
}


def provider_for(tenant: Tenant) -> HelpdeskProvider:
    try:
        factory = PROVIDERS[tenant.provider]
    except KeyError:
        raise ValueError(f"no helpdesk provider {tenant.provider!r}") from None
    return factory(tenant)
