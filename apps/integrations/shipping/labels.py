"""Buying a return label at most once per reference (the AgentAction's durable key).

The intent row is written before anything is bought, and every step's result is saved as
soon as it exists, so an attempt that dies anywhere is finished by the next one without
a second label:

- died before the shipment existed: the next attempt creates one (an unbought shipment
  costs nothing);
- died after the shipment was saved but before the purchase answer was saved: the next
  attempt calls `buy` on the SAME shipment, which reads it first and returns the label it
  already has (on EasyPost, SHIPMENT.POSTAGE.EXISTS is read back, never bought again).

A per-reference lock keeps two live attempts from racing; the unique (store, reference)
constraint keeps them from creating two rows.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.core.locks import named_lock
from apps.integrations.commerce.base import Address
from apps.integrations.shipping.base import (
    Label,
    NoRates,
    Parcel,
    RateRule,
    ShippingError,
    ShippingProvider,
    choose_rate,
)
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.stores.models import Store

LOCK_LEASE_SECONDS = 30.0
LOCK_WAIT_SECONDS = 10.0


def return_label_buy(
    *,
    store: Store,
    reference: str,
    shipping: ShippingProvider,
    customer: Address,
    warehouse: Address,
    parcel: Parcel,
    rule: RateRule,
) -> ReturnShipment:
    """The bought label's row. Raises NoRates (nothing bought; the row says no_rates with
    the carriers' messages) or another ShippingError (retryable ones leave the row
    intended, for the next attempt to finish)."""
    with named_lock(
        f"return-label:{store.pk}:{reference}",
        timeout=LOCK_LEASE_SECONDS,
        wait=LOCK_WAIT_SECONDS,
        renew=True,
    ):
        row = _intent(store, reference)
        if row.state == LabelState.BOUGHT:
            return row
        if not row.shipment_id:
            shipment = shipping.create_return_shipment(
                customer=customer, warehouse=warehouse, parcel=parcel, reference=reference
            )
            row.shipment_id = shipment.id
            row.save(update_fields=["shipment_id", "updated_at"])
        else:
            shipment = shipping.get_shipment(row.shipment_id)
        label = shipment.label
        if label is None:
            try:
                rate = choose_rate(shipment.rates, rule)
            except NoRates as exc:
                said = [*exc.carrier_messages, *shipment.carrier_messages]
                # What the carriers said goes to the merchant (row and action error).
                explained = "; ".join([exc.message, *said])
                _fail(row, LabelState.NO_RATES, explained)
                raise NoRates(explained, said) from exc
            try:
                label = shipping.buy(shipment.id, rate.id)
            except ShippingError as exc:
                if not exc.retryable:
                    _fail(row, LabelState.FAILED, exc.message or type(exc).__name__)
                raise
        _bought(row, label)
        return row


def _intent(store: Store, reference: str) -> ReturnShipment:
    try:
        with transaction.atomic():
            row, _ = ReturnShipment.objects.get_or_create(store=store, reference=reference)
    except IntegrityError:  # created concurrently by an attempt that did not hold the lock
        row = ReturnShipment.objects.get(store=store, reference=reference)
    return row


def _fail(row: ReturnShipment, state: str, error: str) -> None:
    row.state = state
    row.error = error[:500]
    row.save(update_fields=["state", "error", "updated_at"])


def _bought(row: ReturnShipment, label: Label) -> None:
    row.state = LabelState.BOUGHT
    row.error = ""
    row.tracking_code = label.tracking_code
    row.tracker_id = row.tracker_id or label.tracker_id
    row.carrier = label.carrier
    row.service = label.service
    row.cost = label.cost
    row.currency = label.currency
    row.label_url = label.label_url
    row.tracking_url = label.tracking_url
    row.save()
