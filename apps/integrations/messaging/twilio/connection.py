"""Twilio: Account SID + Auth Token, optionally a Standard API key (SID + secret) to send with.

The Auth Token is required even with an API key: Twilio signs every webhook it sends us
(inbound texts, status callbacks) with the account's Auth Token, never with a key, so it is
what apps.webhooks.inbound_sms checks signatures with. Checked by fetching the account with
the Auth Token, and, with a key, by listing one message with the key.
"""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import TOKEN, answer, token_field
from apps.integrations.connections.http import get

API = "https://api.twilio.com/2010-04-01"


def check_connection(config: Config) -> CheckResult:
    sid = config["account_sid"]
    key_sid, key_secret = config.get("api_key_sid", ""), config.get("api_key_secret", "")
    if bool(key_sid) != bool(key_secret):
        return CheckResult(False, "Enter both the API key SID and its secret, or neither.")
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
    if key_sid:
        return _check_key(sid, key_sid, key_secret)
    return CheckResult(True, f"Twilio account …{sid[-4:]} is active")


def _check_key(sid: str, key_sid: str, key_secret: str) -> CheckResult:
    """The key can use this account's Messages API (what sending needs)."""
    response = get(
        f"{API}/Accounts/{sid}/Messages.json", auth=(key_sid, key_secret), params={"PageSize": "1"}
    )
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "Twilio")
    if isinstance(body, CheckResult):
        return CheckResult(False, f"The API key was refused for this account: {body.message}")
    active = f"Twilio account …{sid[-4:]} is active"
    return CheckResult(True, f"{active}; sending with API key …{key_sid[-4:]}")


FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "account_sid",
        "Account SID",
        pattern=r"AC[0-9a-fA-F]{32}",
        pattern_error="An Account SID is AC followed by 32 hexadecimal characters.",
        max_length=34,
    ),
    token_field(
        "auth_token",
        "Auth Token",
        "Console → Account info. Required even if you send with an API key below: Twilio signs "
        "every text it forwards to us with the Auth Token (never with a key), and we refuse "
        "any text whose signature does not match.",
    ),
    CredentialField(
        "api_key_sid",
        "API key SID (optional)",
        help="Send with a Standard API key (Console → API keys & tokens) instead of the Auth "
        "Token, so revoking the key stops our sending without touching your account. Give "
        "its secret below.",
        pattern=r"SK[0-9a-fA-F]{32}",
        pattern_error="An API key SID is SK followed by 32 hexadecimal characters.",
        max_length=34,
        required=False,
    ),
    CredentialField(
        "api_key_secret",
        "API key secret (optional)",
        help="Shown once by Twilio when the key is created.",
        secret=True,
        pattern=TOKEN,
        pattern_error="Paste the whole secret, without spaces.",
        max_length=512,
        required=False,
    ),
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
