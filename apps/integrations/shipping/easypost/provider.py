"""EasyPost as a `ShippingProvider`: return shipments, labels, voids and trackers.

Through the official SDK (easypost 10.x, client objects; platforms.md §3). The SDK's
objects are read as plain dicts (`to_dict()`) and mapped here, so nothing above this module
sees an EasyPost type. Errors become the protocol's typed errors (§8.8):

- empty `rates` is an answer, not an error: `messages[]` carries the carriers' reasons;
- buying a shipment that already has postage (`SHIPMENT.POSTAGE.EXISTS`, a retried task
  whose first purchase went through) re-reads the shipment and returns its label;
- 402 → PaymentRequired (wallet empty), 429 → RateLimited, 5xx/timeouts → Transient.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import easypost
from django.conf import settings
from easypost import errors as ep_errors

from apps.core.logging import redact
from apps.integrations.commerce.base import Address
from apps.integrations.shipping.base import (
    AddressInvalid,
    Label,
    LabelRejected,
    NotAuthorized,
    Parcel,
    PaymentRequired,
    RateLimited,
    Shipment,
    ShippingError,
    TrackerInfo,
    TrackingEvent,
    TrackingStatus,
    Transient,
)
from apps.integrations.shipping.base import (
    Rate as RateInfo,
)

logger = logging.getLogger(__name__)

# The SDK's default is 60 s; a label purchase inside a task should fail sooner and retry.
TIMEOUT_SECONDS = 20
MAX_MESSAGE = 300
POSTAGE_EXISTS = "SHIPMENT.POSTAGE.EXISTS"

T = TypeVar("T")


class EasyPostShipping:
    """One store's EasyPost account. Build it with `for_config`; tests pass a client whose
    HTTP session is the stand-in (standins/easypost)."""

    def __init__(self, client: easypost.EasyPostClient) -> None:
        self.client = client

    @classmethod
    def for_config(cls, config: Mapping[str, str]) -> EasyPostShipping:
        base = settings.SHIPPING_EASYPOST_API_BASE  # a stand-in's address (tests, benchmarks)
        if base:
            return cls(
                easypost.EasyPostClient(config["api_key"], api_base=base, timeout=TIMEOUT_SECONDS)
            )
        return cls(easypost.EasyPostClient(config["api_key"], timeout=TIMEOUT_SECONDS))

    # ------------------------------------------------------------ shipments

    def create_return_shipment(
        self, *, customer: Address, warehouse: Address, parcel: Parcel, reference: str
    ) -> Shipment:
        # EasyPost swaps to/from itself when is_return is set: pass the outbound addresses.
        created = _call(
            lambda: self.client.shipment.create(
                to_address=address_params(customer),
                from_address=address_params(warehouse),
                parcel=parcel_params(parcel),
                is_return=True,
                reference=reference[:100],
            )
        )
        return shipment_from(created.to_dict())

    def get_shipment(self, shipment_id: str) -> Shipment:
        return shipment_from(_call(lambda: self.client.shipment.retrieve(shipment_id)).to_dict())

    def buy(self, shipment_id: str, rate_id: str) -> Label:
        current = self.get_shipment(shipment_id)
        if current.label is not None:  # bought by an earlier attempt: never a second label
            return current.label
        try:
            bought = _call(lambda: self.client.shipment.buy(shipment_id, rate={"id": rate_id}))
        except EasyPostRejected as exc:
            if exc.code != POSTAGE_EXISTS:
                raise
            # Bought between our read and our buy (a concurrent retry): fetch, don't buy.
            label = self.get_shipment(shipment_id).label
            if label is None:
                raise
            return label
        label = shipment_from(bought.to_dict()).label
        if label is None:
            raise Transient("EasyPost bought the label but did not return it yet.")
        return label

    def void(self, shipment_id: str) -> str:
        refunded = _call(lambda: self.client.shipment.refund(shipment_id)).to_dict()
        return str(refunded.get("refund_status") or "submitted")

    # ------------------------------------------------------------ trackers

    def create_tracker(self, tracking_code: str, carrier: str = "") -> TrackerInfo:
        params: dict[str, str] = {"tracking_code": tracking_code}
        named = easypost_carrier(carrier)
        if named:
            params["carrier"] = named
        return tracker_from(_call(lambda: self.client.tracker.create(**params)).to_dict())

    def get_tracker(self, tracker_id: str) -> TrackerInfo:
        return tracker_from(_call(lambda: self.client.tracker.retrieve(tracker_id)).to_dict())


# Platforms name carriers their own way ("DHL Express", "Canada Post"); EasyPost wants its
# names. A name we do not know is left out: EasyPost detects the carrier from the number,
# where a wrong name would be refused.
CARRIERS = {
    "usps": "USPS",
    "ups": "UPS",
    "fedex": "FedEx",
    "dhl express": "DHLExpress",
    "dhlexpress": "DHLExpress",
    "canada post": "CanadaPost",
    "canadapost": "CanadaPost",
    "royal mail": "RoyalMail",
    "royalmail": "RoyalMail",
    "australia post": "AustraliaPost",
    "australiapost": "AustraliaPost",
    "ontrac": "OnTrac",
}


def easypost_carrier(name: str) -> str:
    return CARRIERS.get(" ".join(name.casefold().split()), "")


# ---------------------------------------------------------------- errors


class EasyPostRejected(LabelRejected):
    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ep_errors.ApiError as exc:
        raise _typed(exc) from exc
    except ep_errors.EasyPostError as exc:  # JSON, parameter and other client-side errors
        raise Transient(_message(str(exc))) from exc


def _typed(exc: Any) -> ShippingError:
    status = getattr(exc, "http_status", None) or 0
    code = str(getattr(exc, "code", "") or "")
    said = _message(getattr(exc, "message", "") or str(exc))
    if isinstance(exc, ep_errors.TimeoutError | ep_errors.HttpError) or status >= 500:
        return Transient(said or "EasyPost did not answer.")
    if status == 429:
        return RateLimited(said or "EasyPost is rate-limiting this account.")
    if status == 402:
        return PaymentRequired(said or "The EasyPost account cannot pay for postage.")
    if status in (401, 403):
        return NotAuthorized(said or "EasyPost refused the API key.")
    if code.startswith("ADDRESS.") or ".ADDRESS" in code:
        return AddressInvalid(said or "EasyPost refused the address.")
    return EasyPostRejected(said or f"EasyPost refused the request ({code or status}).", code)


def _message(text: str) -> str:
    return redact(" ".join(str(text).split()))[:MAX_MESSAGE]


# ---------------------------------------------------------------- mapping


def address_params(address: Address) -> dict[str, str]:
    return {
        "name": address.name,
        "street1": address.address1,
        "street2": address.address2,
        "city": address.city,
        "state": address.province,
        "zip": address.zip,
        "country": address.country_code or address.country,
        "phone": address.phone,
    }


def parcel_params(parcel: Parcel) -> dict[str, float]:
    params = {"weight": float(parcel.weight_oz)}
    for name, value in (
        ("length", parcel.length_in),
        ("width", parcel.width_in),
        ("height", parcel.height_in),
    ):
        if value is not None:
            params[name] = float(value)
    return params


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def rate_from(data: Mapping[str, Any]) -> RateInfo:
    return RateInfo(
        id=_str(data.get("id")),
        carrier=_str(data.get("carrier")),
        service=_str(data.get("service")),
        amount=_decimal(data.get("rate")),
        currency=_str(data.get("currency")) or "USD",
        delivery_days=_int_or_none(data.get("delivery_days")),
    )


def shipment_from(data: Mapping[str, Any]) -> Shipment:
    rates = tuple(rate_from(r) for r in data.get("rates") or () if isinstance(r, dict))
    messages = tuple(
        f"{_str(m.get('carrier')) or 'Carrier'}: {_message(_str(m.get('message')))}"
        for m in data.get("messages") or ()
        if isinstance(m, dict) and m.get("message")
    )
    postage = _dict(data.get("postage_label"))
    label = None
    if postage.get("label_url") and data.get("tracking_code"):
        selected = rate_from(_dict(data.get("selected_rate")))
        tracker = _dict(data.get("tracker"))
        label = Label(
            shipment_id=_str(data.get("id")),
            tracking_code=_str(data.get("tracking_code")),
            carrier=selected.carrier,
            service=selected.service,
            cost=selected.amount,
            currency=selected.currency,
            label_url=_str(postage.get("label_url")),
            tracker_id=_str(tracker.get("id")),
            tracking_url=_str(tracker.get("public_url")),
        )
    return Shipment(
        id=_str(data.get("id")),
        rates=rates,
        carrier_messages=messages,
        label=label,
        reference=_str(data.get("reference")),
    )


def _status(value: Any) -> TrackingStatus:
    try:
        return TrackingStatus(_str(value))
    except ValueError:
        return TrackingStatus.UNKNOWN


def _location(data: Mapping[str, Any]) -> str:
    parts = (data.get("city"), data.get("state"), data.get("country"))
    return ", ".join(p for p in parts if isinstance(p, str) and p)


def tracker_from(data: Mapping[str, Any]) -> TrackerInfo:
    """A Tracker object (an API answer or a webhook event's `result`)."""
    events = tuple(
        TrackingEvent(
            status=_status(d.get("status")),
            message=_message(_str(d.get("message"))),
            at=_datetime(d.get("datetime")),
            location=_location(_dict(d.get("tracking_location"))),
        )
        for d in data.get("tracking_details") or ()
        if isinstance(d, dict)
    )
    return TrackerInfo(
        id=_str(data.get("id")),
        tracking_code=_str(data.get("tracking_code")),
        carrier=_str(data.get("carrier")),
        status=_status(data.get("status")),
        status_detail=_str(data.get("status_detail")),
        estimated_delivery_at=_datetime(data.get("est_delivery_date")),
        events=events,
        shipment_id=_str(data.get("shipment_id")),
        public_url=_str(data.get("public_url")),
    )
