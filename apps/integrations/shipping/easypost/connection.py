"""EasyPost: an API key (HTTP Basic username); checked by listing one address."""

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

API = "https://api.easypost.com/v2"


def check_connection(config: Config) -> CheckResult:
    response = get(f"{API}/addresses", auth=(config["api_key"], ""), params={"page_size": "1"})
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "EasyPost")
    if isinstance(body, CheckResult):
        return body
    if not isinstance(body.get("addresses"), list):
        return CheckResult(False, "EasyPost answered in an unexpected way.")
    return CheckResult(True, "EasyPost accepted the API key")


FIELDS: tuple[CredentialField, ...] = (
    token_field("api_key", "API key", "Account settings → API keys (test or production)."),
    # Verifies tracker webhooks (X-Hmac-Signature); set on the webhook pointed at this
    # store's /webhooks/easypost/<store id> URL.
    CredentialField(
        "webhook_secret",
        "Webhook secret",
        help="The secret you set on the EasyPost webhook for this store's URL.",
        secret=True,
        max_length=255,
        required=False,  # the endpoint answers 404 until it is set
    ),
)

SPEC = ProviderSpec(
    key="easypost",
    name="EasyPost",
    kind=ProviderKind.SHIPPING,
    description="Buy return labels and track parcels across carriers.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://docs.easypost.com/docs/authentication",
    colour="#134ae1",
    endpoint="GET /v2/addresses?page_size=1",
)
