"""Zendesk Support: email + API token (Basic `email/token`); checked with GET users/me."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import answer, email_field, subdomain_field, token_field
from apps.integrations.connections.http import get


def check_connection(config: Config) -> CheckResult:
    url = f"https://{config['subdomain']}.zendesk.com/api/v2/users/me.json"
    response = get(url, auth=(f"{config['email']}/token", config["api_token"]))
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "Zendesk")
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
