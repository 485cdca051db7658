"""Field definitions and answers that several providers share."""

from __future__ import annotations

import httpx

from apps.integrations.connections.base import CheckResult, CredentialField
from apps.integrations.connections.http import failure, json_body, provider_message

# A tenant's subdomain goes into the URL we call: a strict shape keeps it on the provider.
SUBDOMAIN = r"[a-z0-9][a-z0-9-]{0,62}"
EMAIL = r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}"
TOKEN = r"[\x21-\x7e]{8,512}"  # printable, no spaces: what every API token looks like


def subdomain_field(provider: str, example: str) -> CredentialField:
    return CredentialField(
        "subdomain",
        f"{provider} subdomain",
        help=f"The part before .{example}",
        pattern=SUBDOMAIN,
        pattern_error="Use only the subdomain: lowercase letters, digits and dashes.",
        max_length=63,
        destination=True,
    )


def token_field(name: str, label: str, help: str = "") -> CredentialField:
    return CredentialField(
        name,
        label,
        help=help,
        secret=True,
        pattern=TOKEN,
        pattern_error="Paste the whole key, without spaces.",
        max_length=512,
    )


def email_field(label: str) -> CredentialField:
    return CredentialField(
        "email", label, pattern=EMAIL, pattern_error="Enter a valid email address.", max_length=254
    )


def answer(response: httpx.Response, provider: str) -> dict[str, object] | CheckResult:
    """The JSON object of a 200 answer, or the failed check that explains what happened."""
    if response.status_code in (401, 403):
        return failure(response, _refused(response, provider))
    if response.status_code == 429:
        return failure(response, f"{provider} is rate limiting requests. Try again in a minute.")
    if response.status_code >= 500:
        return failure(response, f"{provider} had a problem answering. Try again later.")
    body = json_body(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return failure(response)
    return body


def _refused(response: httpx.Response, provider: str) -> str:
    said = provider_message(json_body(response))
    refused = f"{provider} refused these credentials"
    return f"{refused}: {said}" if said else refused
