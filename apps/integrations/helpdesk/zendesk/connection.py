"""Zendesk Support: email + API token (Basic `email/token`); checked with GET users/me."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import email_field, subdomain_field, token_field
from apps.integrations.helpdesk.base import Credentials
from apps.integrations.helpdesk.http import check_get
from apps.integrations.helpdesk.zendesk.provider import base_url


def check_connection(config: Config) -> CheckResult:
    url = f"{base_url(config['subdomain'])}/users/me.json"
    credentials = Credentials(config["api_token"], user=f"{config['email']}/token")
    body = check_get("Zendesk", url, credentials)
    if isinstance(body, CheckResult):
        return body
    user = body.get("user")
    # Without valid credentials Zendesk answers 200 with an anonymous user (no id).
    if not isinstance(user, dict) or user.get("id") is None:
        return CheckResult(False, "Zendesk did not recognise these credentials.")
    return CheckResult(True, f"Signed in to Zendesk as {user.get('name', '')} ({user.get('role')})")


FIELDS: tuple[CredentialField, ...] = (
    subdomain_field("Zendesk", "zendesk.com"),
    email_field("Agent email"),
    token_field("api_token", "API token", "Admin Center → Apps and integrations → Zendesk API."),
)

SPEC = ProviderSpec(
    key="zendesk",
    name="Zendesk",
    kind=ProviderKind.HELPDESK,
    description="Mirror conversations into Zendesk tickets and hand over to your agents.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self",
    colour="#03363d",
    endpoint="GET /api/v2/users/me.json",
)
