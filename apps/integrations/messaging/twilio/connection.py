"""Twilio: Account SID + auth token (HTTP Basic); checked by fetching the account itself."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import answer, token_field
from apps.integrations.connections.http import get

API = "https://api.twilio.com/2010-04-01"


def check_connection(config: Config) -> CheckResult:
    sid = config["account_sid"]
    response = get(f"{API}/Accounts/{sid}.json", auth=(sid, config["auth_token"]))
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "Twilio")
    if isinstance(body, CheckResult):
        return body
    # The answer also carries the account's auth token: read only what is needed.
    status = body.get("status")
    if status != "active":
        return CheckResult(False, f"The Twilio account is {status or 'not active'}.")
    return CheckResult(True, f"Twilio account …{sid[-4:]} is active")


FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "account_sid",
        "Account SID",
        pattern=r"AC[0-9a-fA-F]{32}",
        pattern_error="An Account SID is AC followed by 32 hexadecimal characters.",
        max_length=34,
    ),
    token_field("auth_token", "Auth token", "Console → Account info."),
    CredentialField(
        "from_number",
        "SMS number",
        help="The Twilio number customers text, in +15551234567 form.",
        pattern=r"\+[1-9][0-9]{6,14}",
        pattern_error="Use the international form, e.g. +15551234567.",
        max_length=16,
    ),
    CredentialField(
        "messaging_service_sid",
        "Messaging Service SID (optional)",
        help="Send through a Messaging Service (MG…) instead of the number alone.",
        pattern=r"MG[0-9a-fA-F]{32}",
        pattern_error="A Messaging Service SID is MG followed by 32 hexadecimal characters.",
        max_length=34,
        required=False,
    ),
)

SPEC = ProviderSpec(
    key="twilio",
    name="Twilio",
    kind=ProviderKind.MESSAGING,
    description="Answer customers who write by SMS.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://www.twilio.com/docs/iam/api/account",
    colour="#f22f46",
    endpoint="GET /2010-04-01/Accounts/{sid}.json",
)
