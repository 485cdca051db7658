"""Intercom: an access token (Bearer) and the workspace's region; checked with GET /me."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import token_field
from apps.integrations.helpdesk.base import Credentials
from apps.integrations.helpdesk.http import check_get
from apps.integrations.helpdesk.intercom.provider import API_VERSION, base_url


def check_connection(config: Config) -> CheckResult:
    url = f"{base_url(config['region'])}/me"
    version = {"Intercom-Version": API_VERSION}
    body = check_get("Intercom", url, Credentials(config["access_token"]), version)
    if isinstance(body, CheckResult):
        return body
    if body.get("type") != "admin":
        return CheckResult(False, "Intercom did not identify an admin for this token.")
    app = body.get("app")
    workspace = app.get("name") if isinstance(app, dict) else None
    where = f" in the {workspace} workspace" if workspace else ""
    return CheckResult(True, f"Signed in to Intercom as {body.get('name', '')}{where}")


FIELDS: tuple[CredentialField, ...] = (
    token_field("access_token", "Access token", "Developer Hub → your app → Authentication."),
    CredentialField(
        "region",
        "Region",
        destination=True,
        help="Where your Intercom workspace is hosted.",
        choices=(("us", "United States"), ("eu", "Europe"), ("au", "Australia")),
        max_length=2,
    ),
)

SPEC = ProviderSpec(
    key="intercom",
    name="Intercom",
    kind=ProviderKind.HELPDESK,
    description="Mirror conversations into Intercom and hand over to your team.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://developers.intercom.com/docs/references/rest-api/api.intercom.io/admins/identifyadmin",
    colour="#1f8ded",
    endpoint="GET /me",
)
