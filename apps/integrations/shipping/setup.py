"""What a store set up for return labels: where parcels go back, the parcel, the rate rule.

Read from the connected EasyPost integration's (non-secret) fields. A setup that is missing
or incomplete means no label is offered: the agent never promises a label it cannot buy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from apps.integrations.commerce.base import Address
from apps.integrations.shipping.base import Parcel, RateChoice, RateRule
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

PROVIDER = "easypost"


@dataclass(frozen=True)
class ReturnSetup:
    warehouse: Address
    parcel: Parcel
    rule: RateRule


def _decimal(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


def setup_from_config(config: dict[str, str]) -> ReturnSetup | None:
    """The setup these fields describe; None when a needed one is missing."""
    weight = _decimal(config.get("parcel_weight_oz"))
    needed = ("return_street1", "return_city", "return_zip", "return_country")
    if weight is None or not config.get("api_key") or not all(config.get(n) for n in needed):
        return None
    try:
        choice = RateChoice(config.get("rate_choice") or RateChoice.CHEAPEST)
    except ValueError:
        choice = RateChoice.CHEAPEST
    warehouse = Address(
        name=config.get("return_name", ""),
        address1=config["return_street1"],
        address2=config.get("return_street2", ""),
        city=config["return_city"],
        province=config.get("return_state", ""),
        zip=config["return_zip"],
        country_code=config["return_country"],
        phone=config.get("return_phone", ""),
    )
    parcel = Parcel(
        weight_oz=weight,
        length_in=_decimal(config.get("parcel_length_in")),
        width_in=_decimal(config.get("parcel_width_in")),
        height_in=_decimal(config.get("parcel_height_in")),
    )
    rule = RateRule(
        choice=choice,
        carriers=_names(config.get("carriers")),
        services=_names(config.get("services")),
        price_cap=_decimal(config.get("price_cap")),
    )
    return ReturnSetup(warehouse=warehouse, parcel=parcel, rule=rule)


def return_setup(store: Store) -> ReturnSetup | None:
    """The store's label setup when EasyPost is connected and complete, else None."""
    credential = IntegrationCredential.objects.filter(
        store=store, provider=PROVIDER, status=IntegrationStatus.CONNECTED
    ).first()
    if credential is None:
        return None
    return setup_from_config(credential.revealed_config())
