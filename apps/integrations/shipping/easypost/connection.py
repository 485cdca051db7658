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

DECIMAL = r"\d{1,4}(\.\d{1,2})?"
LIST = r"[A-Za-z0-9_ ,-]{1,200}"


def _text(name: str, label: str, *, required: bool = True, help: str = "") -> CredentialField:
    return CredentialField(name, label, help=help, max_length=100, required=required)


def _number(name: str, label: str, *, required: bool = False) -> CredentialField:
    return CredentialField(
        name,
        label,
        pattern=DECIMAL,
        pattern_error="Use a number like 12 or 12.5.",
        max_length=7,
        required=required,
    )


# Where return labels send parcels, the parcel a return is rated as, and how a rate is
# chosen (apps.integrations.shipping.setup reads them). Not secret: shown back on the page.
RETURN_FIELDS: tuple[CredentialField, ...] = (
    _text("return_name", "Return address: name or company"),
    _text("return_street1", "Return address: street"),
    _text("return_street2", "Return address: street (line 2)", required=False),
    _text("return_city", "Return address: city"),
    _text("return_state", "Return address: state or province", required=False),
    _text("return_zip", "Return address: postal code"),
    CredentialField(
        "return_country",
        "Return address: country code",
        help="Two letters, e.g. US.",
        pattern=r"[A-Z]{2}",
        pattern_error="Use the two-letter country code, e.g. US.",
        max_length=2,
    ),
    _text("return_phone", "Return address: phone", required=False),
    _number("parcel_weight_oz", "Default parcel weight (oz)", required=True),
    _number("parcel_length_in", "Default parcel length (in)"),
    _number("parcel_width_in", "Default parcel width (in)"),
    _number("parcel_height_in", "Default parcel height (in)"),
    CredentialField(
        "rate_choice",
        "Which rate to buy",
        choices=(
            ("cheapest", "The cheapest"),
            ("preferred", "The cheapest of my preferred carriers/services"),
            ("fastest_within_cap", "The fastest within a price cap"),
        ),
        max_length=20,
    ),
    CredentialField(
        "carriers",
        "Preferred carriers",
        help="Comma-separated, e.g. USPS, UPS (for the preferred rule).",
        pattern=LIST,
        pattern_error="Carrier names separated by commas.",
        required=False,
    ),
    CredentialField(
        "services",
        "Preferred services",
        help="Comma-separated, e.g. GroundAdvantage.",
        pattern=LIST,
        pattern_error="Service names separated by commas.",
        required=False,
    ),
    _number("price_cap", "Price cap per label (for the fastest-within-cap rule)"),
)

SPEC = ProviderSpec(
    key="easypost",
    name="EasyPost",
    kind=ProviderKind.SHIPPING,
    description="Buy return labels and track parcels across carriers.",
    fields=FIELDS + RETURN_FIELDS,
    check=check_connection,
    docs_url="https://docs.easypost.com/docs/authentication",
    colour="#134ae1",
    endpoint="GET /v2/addresses?page_size=1",
)
