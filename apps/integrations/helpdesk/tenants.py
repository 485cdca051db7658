"""A `Tenant` from a store's stored helpdesk config (IntegrationCredential.config).

Connecting (token now, OAuth later) stores the credential fields plus what the connect
step learns: the account's key in webhooks (`tenant_key`), our bot's actor id, the
webhook secret and, for Front, the inbox threads are imported into.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from django.conf import settings

from apps.integrations.helpdesk.base import Credentials, NeedsReauth, Tenant
from apps.integrations.helpdesk.front.provider import API as FRONT_API
from apps.integrations.helpdesk.gorgias.provider import base_url as gorgias_url
from apps.integrations.helpdesk.intercom.provider import HOSTS
from apps.integrations.helpdesk.intercom.provider import base_url as intercom_url
from apps.integrations.helpdesk.zendesk.provider import base_url as zendesk_url

HELPDESKS = ("gorgias", "zendesk", "front", "intercom")


def tenant_from_config(provider: str, config: Mapping[str, str]) -> Tenant:
    """Raises NeedsReauth when the config lacks what calls need (connect again)."""
    tenant = _tenant(provider, config)
    override = settings.HELPDESK_API_BASES.get(provider)
    if not override:
        return tenant
    # "{tenant}" in a stand-in's base keeps each account apart (benchmarks run several).
    return replace(tenant, base_url=override.replace("{tenant}", tenant.tenant_key).rstrip("/"))


def _tenant(provider: str, config: Mapping[str, str]) -> Tenant:

    def need(name: str) -> str:
        value = str(config.get(name) or "")
        if not value:
            raise NeedsReauth(f"the {provider} connection is incomplete: connect it again")
        return value

    common = {
        "provider": provider,
        "bot_actor_id": need("bot_actor_id"),
        "webhook_secret": str(config.get("webhook_secret") or ""),
    }
    oauth = str(config.get("access_token") or "")
    if provider == "gorgias":
        sub = need("subdomain")
        creds = Credentials(oauth) if oauth else Credentials(need("api_key"), user=need("email"))
        return Tenant(tenant_key=sub, base_url=gorgias_url(sub), credentials=creds, **common)
    if provider == "zendesk":
        sub = need("subdomain")
        if oauth:
            creds = Credentials(oauth)
        else:
            creds = Credentials(need("api_token"), user=f"{need('email')}/token")
        # Zendesk's API never names the account id: the signing secret of the webhook we
        # registered proves the account, and the subdomain keys the rate budget.
        key = str(config.get("account_id") or sub)
        return Tenant(tenant_key=key, base_url=zendesk_url(sub), credentials=creds, **common)
    if provider == "front":
        return Tenant(
            tenant_key=need("company_id"),
            base_url=FRONT_API,
            credentials=Credentials(oauth or need("api_token")),
            channel_ref=need("inbox_id"),
            **common,
        )
    if provider == "intercom":
        region = need("region")
        if region not in HOSTS:
            raise NeedsReauth("unknown Intercom region: connect it again")
        return Tenant(
            tenant_key=need("app_id"),
            base_url=intercom_url(region),
            credentials=Credentials(need("access_token")),
            **common,
        )
    raise ValueError(f"not a helpdesk: {provider!r}")
