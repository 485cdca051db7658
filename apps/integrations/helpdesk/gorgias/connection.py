"""Gorgias: a private app's API key (HTTP Basic, email + key); checked with GET /api/account."""

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
from apps.integrations.helpdesk.gorgias.provider import base_url
from apps.integrations.helpdesk.http import check_get


def check_connection(config: Config) -> CheckResult:
    url = f"{base_url(config['subdomain'])}/account"
    body = check_get("Gorgias", url, Credentials(config["api_key"], user=config["email"]))
    if isinstance(body, CheckResult):
        return body
    status = body.get("status")
    if isinstance(status, dict) and status.get("status") not in (None, "active"):
        return CheckResult(False, f"The Gorgias account is {status.get('status')}.")
    domain = body.get("domain") or ""
    return CheckResult(True, f"Connected to the Gorgias helpdesk {domain}".strip())


FIELDS: tuple[CredentialField, ...] = (
    subdomain_field("Gorgias", "gorgias.com"),
    email_field("Email of the user who created the key"),
    token_field("api_key", "API key", "Settings → REST API in Gorgias."),
)

SPEC = ProviderSpec(
    key="gorgias",
    name="Gorgias",
    kind=ProviderKind.HELPDESK,
    description="Mirror conversations into Gorgias tickets; the AI steps back when agents reply.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://developers.gorgias.com/docs/authentication",
    colour="#161616",
    endpoint="GET /api/account",
)
