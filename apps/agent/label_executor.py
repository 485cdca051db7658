"""Running a `return_label` AgentAction: buy the label through the store's shipping provider.

Registered in `actions.EXECUTORS`, so the label goes through the same claim / executing /
reconciler machinery as every money action. The label's reference is the action's
idempotency key: a resumed or retried execution finds the intent row and the shipment it
saved, and never buys a second label (integrations.shipping.labels).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.conversations.models import AgentAction
from apps.integrations.commerce.base import Address, CommerceProvider
from apps.integrations.shipping.base import Parcel, RateChoice, RateRule
from apps.integrations.shipping.labels import return_label_buy
from apps.integrations.shipping.registry import get_shipping_provider

# Indirection for tests (they point it at the EasyPost stand-in).
shipping_provider_for = get_shipping_provider


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def parcel_of(params: dict[str, Any]) -> Parcel:
    weight = _decimal(params.get("weight_oz"))
    if weight is None or weight <= 0:
        raise ValueError("a return label needs the parcel's weight")
    return Parcel(
        weight_oz=weight,
        length_in=_decimal(params.get("length_in")),
        width_in=_decimal(params.get("width_in")),
        height_in=_decimal(params.get("height_in")),
    )


def rule_of(params: dict[str, Any]) -> RateRule:
    return RateRule(
        choice=RateChoice(params.get("choice") or RateChoice.CHEAPEST),
        carriers=tuple(str(c) for c in params.get("carriers") or ()),
        services=tuple(str(s) for s in params.get("services") or ()),
        price_cap=_decimal(params.get("price_cap")),
    )


def buy_return_label(
    provider: CommerceProvider, action: AgentAction
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(result, evidence) of the purchase; raises ShippingError (recorded as failed)."""
    params = action.parameters
    row = return_label_buy(
        store=action.store,
        reference=action.idempotency_key,
        shipping=shipping_provider_for(action.store),
        customer=Address(**params["customer"]),
        warehouse=Address(**params["warehouse"]),
        parcel=parcel_of(params["parcel"]),
        rule=rule_of(params.get("rule") or {}),
    )
    result = {
        "return_shipment_id": row.pk,
        "tracking_code": row.tracking_code,
        "carrier": row.carrier,
        "service": row.service,
        "cost": str(row.cost) if row.cost is not None else None,
        "currency": row.currency,
        "label_url": row.label_url,
        "tracking_url": row.tracking_url,
    }
    evidence = {"provider": row.provider, "shipment_id": row.shipment_id}
    return result, evidence
