"""The shipping protocol: return labels and parcel tracking, whatever the carrier aggregator.

Provider-neutral and typed, like `commerce.base`. EasyPost implements `ShippingProvider`
in `shipping/easypost/`; the agent and the webhooks see only this file. Money is `Decimal`
in the rate's currency; weights are ounces and lengths inches (what carriers rate in).

Every call does blocking network I/O: call providers from Celery tasks, never from a view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from apps.integrations.commerce.base import Address

# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Parcel:
    """A parcel's outside dimensions (inches) and weight (ounces)."""

    weight_oz: Decimal
    length_in: Decimal | None = None
    width_in: Decimal | None = None
    height_in: Decimal | None = None


class RateChoice(StrEnum):
    CHEAPEST = "cheapest"
    PREFERRED = "preferred"  # cheapest among the merchant's carriers/services
    FASTEST_WITHIN_CAP = "fastest_within_cap"


@dataclass(frozen=True)
class RateRule:
    """How the merchant wants a label's rate chosen (StoreSettings, the dashboard)."""

    choice: RateChoice = RateChoice.CHEAPEST
    carriers: tuple[str, ...] = ()  # PREFERRED: compared case-insensitively
    services: tuple[str, ...] = ()
    price_cap: Decimal | None = None  # FASTEST_WITHIN_CAP: the most a label may cost


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Rate:
    id: str
    carrier: str
    service: str
    amount: Decimal
    currency: str
    delivery_days: int | None = None


@dataclass(frozen=True)
class Shipment:
    """A (return) shipment at the provider: rates to choose from, or the label once bought."""

    id: str
    rates: tuple[Rate, ...] = ()
    # What carriers said when they could not rate (e.g. "Invalid postal code"), verbatim.
    carrier_messages: tuple[str, ...] = ()
    label: Label | None = None
    reference: str = ""


@dataclass(frozen=True)
class Label:
    shipment_id: str
    tracking_code: str
    carrier: str
    service: str
    cost: Decimal
    currency: str
    label_url: str
    tracker_id: str = ""
    tracking_url: str = ""


class TrackingStatus(StrEnum):
    UNKNOWN = "unknown"
    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    RETURN_TO_SENDER = "return_to_sender"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    ERROR = "error"


# How far along a parcel is: a later event never moves a return back (webhooks arrive out of
# order). Exceptions (failure, return to sender, ...) rank beside the state they interrupt
# so a later real scan can still move the parcel on.
PROGRESS: dict[TrackingStatus, int] = {
    TrackingStatus.UNKNOWN: 0,
    TrackingStatus.ERROR: 0,
    TrackingStatus.CANCELLED: 0,
    TrackingStatus.PRE_TRANSIT: 1,
    TrackingStatus.IN_TRANSIT: 2,
    TrackingStatus.FAILURE: 2,
    TrackingStatus.RETURN_TO_SENDER: 2,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.AVAILABLE_FOR_PICKUP: 3,
    TrackingStatus.DELIVERED: 4,
}


def moves_forward(current: TrackingStatus | str, new: TrackingStatus | str) -> bool:
    """True when `new` is further along than `current` (an unknown status never is)."""
    return PROGRESS.get(_status(new), 0) > PROGRESS.get(_status(current), 0)


def _status(value: TrackingStatus | str) -> TrackingStatus:
    try:
        return TrackingStatus(value)
    except ValueError:
        return TrackingStatus.UNKNOWN


@dataclass(frozen=True)
class TrackingEvent:
    status: TrackingStatus
    message: str
    at: datetime | None = None
    location: str = ""


@dataclass(frozen=True)
class TrackerInfo:
    id: str
    tracking_code: str
    carrier: str
    status: TrackingStatus
    status_detail: str = ""
    estimated_delivery_at: datetime | None = None
    events: tuple[TrackingEvent, ...] = field(default=())
    shipment_id: str = ""
    public_url: str = ""

    @property
    def latest(self) -> TrackingEvent | None:
        return self.events[-1] if self.events else None


# ---------------------------------------------------------------- errors


class ShippingError(Exception):
    """A shipping call failed. `message` may be shown to the merchant (never a secret)."""

    retryable = False

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NoRates(ShippingError):
    """No rate fits: the carriers refused the address/parcel, or none meets the merchant's rule."""

    def __init__(self, message: str = "", carrier_messages: Sequence[str] = ()) -> None:
        super().__init__(message or "No carrier offered a rate for this return.")
        self.carrier_messages = tuple(carrier_messages)


class AddressInvalid(ShippingError):
    """The provider refused an address (the customer's or the merchant's return address)."""


class PaymentRequired(ShippingError):
    """The merchant's provider account cannot pay for postage (empty wallet, no card)."""


class NotAuthorized(ShippingError):
    """The API key is wrong or revoked: the integration needs the merchant's attention."""


class LabelRejected(ShippingError):
    """The provider refused the request for a reason retrying will not change."""


class RateLimited(ShippingError):
    retryable = True


class Transient(ShippingError):
    """Network failure, timeout or a 5xx: try again later."""

    retryable = True


# ---------------------------------------------------------------- rate choice


def choose_rate(rates: Sequence[Rate], rule: RateRule) -> Rate:
    """The rate the merchant's rule picks, or NoRates saying why none fits.

    Ties break on the rate id so the same shipment always yields the same choice.
    """
    if not rates:
        raise NoRates()
    if rule.choice == RateChoice.PREFERRED:
        carriers = {c.lower() for c in rule.carriers}
        services = {s.lower() for s in rule.services}
        fitting = [
            r
            for r in rates
            if (not carriers or r.carrier.lower() in carriers)
            and (not services or r.service.lower() in services)
        ]
        if not fitting:
            raise NoRates("None of the preferred carriers or services offered a rate.")
        return min(fitting, key=lambda r: (r.amount, r.id))
    if rule.choice == RateChoice.FASTEST_WITHIN_CAP:
        fitting = [r for r in rates if rule.price_cap is None or r.amount <= rule.price_cap]
        if not fitting:
            raise NoRates(f"No rate costs {rule.price_cap} or less.")
        # A rate without a transit estimate counts as the slowest.
        return min(fitting, key=lambda r: (r.delivery_days or 10**6, r.amount, r.id))
    return min(rates, key=lambda r: (r.amount, r.id))


# ---------------------------------------------------------------- the protocol


@runtime_checkable
class ShippingProvider(Protocol):
    def create_return_shipment(
        self,
        *,
        customer: Address,
        warehouse: Address,
        parcel: Parcel,
        reference: str,
    ) -> Shipment:
        """A return shipment from the customer back to the warehouse, with its rates.

        `customer` and `warehouse` are the ORIGINAL outbound addresses (to and from); the
        provider swaps them. `reference` is our durable id for the label (the AgentAction).
        Raises AddressInvalid, RateLimited, Transient, ...; empty rates are not an error
        here (carrier_messages say why) so the caller can tell the customer.
        """
        ...

    def get_shipment(self, shipment_id: str) -> Shipment: ...

    def buy(self, shipment_id: str, rate_id: str) -> Label:
        """Buy the label. Idempotent: a shipment already bought returns its label, never a
        second one."""
        ...

    def void(self, shipment_id: str) -> str:
        """Ask for an unused label's refund; the provider's refund status (e.g. submitted)."""
        ...

    def create_tracker(self, tracking_code: str, carrier: str = "") -> TrackerInfo: ...

    def get_tracker(self, tracker_id: str) -> TrackerInfo: ...
