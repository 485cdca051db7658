"""Front: a company API token (Bearer); checked with GET /me (the token's identity)."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import EMAIL, token_field
from apps.integrations.helpdesk.base import Credentials
from apps.integrations.helpdesk.front.provider import API
from apps.integrations.helpdesk.http import check_get


def check_connection(config: Config) -> CheckResult:
    body = check_get("Front", f"{API}/me", Credentials(config["api_token"]))
    if isinstance(body, CheckResult):
        return body
    return CheckResult(True, f"Connected to Front as {body.get('name') or 'your company'}")


FIELDS: tuple[CredentialField, ...] = (
    token_field("api_token", "API token", "Settings → Developers → API tokens in Front."),
    CredentialField(
        "teammate_email",
        "Teammate the AI writes as",
        help="The email of a Front teammate (a seat for the AI, e.g. ai@yourstore.com).",
        pattern=EMAIL,
        pattern_error="Enter a valid email address.",
        max_length=254,
    ),
    CredentialField(
        "inbox_id",
        "Inbox for conversations",
        help="The inbox's id (inb_…): Settings → Inboxes → the inbox, in its address.",
        pattern=r"inb_[A-Za-z0-9]{1,40}",
        pattern_error="Use the inbox id, like inb_55c8c149.",
        max_length=44,
        destination=True,
    ),
)

SPEC = ProviderSpec(
    key="front",
    name="Front",
    kind=ProviderKind.HELPDESK,
    description="Mirror conversations into a Front inbox and pause the AI when a teammate replies.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://dev.frontapp.com/reference/get-token-identity",
    colour="#a857f1",
    endpoint="GET /me",
)
