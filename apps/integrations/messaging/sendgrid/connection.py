"""SendGrid: an API key (Bearer); checked with GET /v3/scopes, which must include mail.send."""

from __future__ import annotations

from apps.integrations.connections.base import (
    CheckResult,
    Config,
    CredentialField,
    ProviderKind,
    ProviderSpec,
)
from apps.integrations.connections.common import EMAIL, answer
from apps.integrations.connections.http import get

HOSTS = {"global": "api.sendgrid.com", "eu": "api.eu.sendgrid.com"}


def check_connection(config: Config) -> CheckResult:
    url = f"https://{HOSTS[config['region']]}/v3/scopes"
    response = get(url, headers={"Authorization": f"Bearer {config['api_key']}"})
    if isinstance(response, CheckResult):
        return response
    body = answer(response, "SendGrid")
    if isinstance(body, CheckResult):
        return body
    scopes = body.get("scopes")
    if not isinstance(scopes, list):
        return CheckResult(False, "SendGrid answered in an unexpected way.")
    if "mail.send" not in scopes:
        return CheckResult(False, "This SendGrid key cannot send email (no mail.send permission).")
    return CheckResult(True, "SendGrid accepted the key; it can send email")


FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "api_key",
        "API key",
        help="Settings → API Keys; Restricted Access with Mail Send is enough.",
        secret=True,
        pattern=r"SG\.[A-Za-z0-9_-]{10,100}\.[A-Za-z0-9_-]{10,100}",
        pattern_error="SendGrid API keys look like SG.xxxx.yyyy.",
        max_length=210,
    ),
    CredentialField(
        "from_email",
        "Send from",
        help="A sender address verified in SendGrid.",
        pattern=EMAIL,
        pattern_error="Enter a valid email address.",
        max_length=254,
    ),
    CredentialField(
        "from_name",
        "Sender name",
        help="The name customers see on our emails (your store's name when empty).",
        max_length=100,
        required=False,
    ),
    CredentialField(
        "inbound_domain",
        "Inbound Parse domain",
        help=(
            "A subdomain whose MX record points to mx.sendgrid.net, set up in Settings → "
            "Inbound Parse with the URL shown below. Customers' replies come back here."
        ),
        pattern=r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
        pattern_error="Enter a domain such as reply.yourstore.com.",
        max_length=253,
        required=False,
    ),
    CredentialField(
        "event_webhook_key",
        "Event Webhook verification key",
        help="Settings → Mail Settings → Event Webhook → Signed Event Webhook: the public key.",
        pattern=r"[A-Za-z0-9+/]{40,400}={0,2}",
        pattern_error="Paste the public key SendGrid shows (base64, no header lines).",
        max_length=400,
        required=False,
    ),
    CredentialField(
        "region",
        "Data residency",
        destination=True,
        choices=(("global", "Global"), ("eu", "EU")),
        max_length=6,
    ),
)

SPEC = ProviderSpec(
    key="sendgrid",
    name="SendGrid",
    kind=ProviderKind.MESSAGING,
    description="Answer customers who write by email.",
    fields=FIELDS,
    check=check_connection,
    docs_url="https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions",
    colour="#1a82e2",
    endpoint="GET /v3/scopes",
)
