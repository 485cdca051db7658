"""What every shipping provider does (conftest.BACKENDS), seen through the protocol."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.integrations.commerce.base import Address
from apps.integrations.shipping.base import (
    AddressInvalid,
    LabelRejected,
    NotAuthorized,
    Parcel,
    PaymentRequired,
    RateChoice,
    RateLimited,
    RateRule,
    TrackingStatus,
    Transient,
    choose_rate,
)
from tests.integrations.shipping.conftest import ShippingWorld

CUSTOMER = Address(
    name="Jane Doe",
    address1="12 Elm St",
    city="Springfield",
    province="IL",
    zip="62704",
    country="United States",
    country_code="US",
    phone="+15550100001",
)
WAREHOUSE = Address(
    name="Northwind Returns",
    address1="1 Dock Rd",
    city="Chicago",
    province="IL",
    zip="60601",
    country_code="US",
)
PARCEL = Parcel(
    weight_oz=Decimal("16"), length_in=Decimal(10), width_in=Decimal(8), height_in=Decimal(4)
)


def _shipment(world: ShippingWorld, customer: Address = CUSTOMER, reference: str = "action-1"):
    return world.provider.create_return_shipment(
        customer=customer, warehouse=WAREHOUSE, parcel=PARCEL, reference=reference
    )


def test_a_return_shipment_offers_rates_and_keeps_our_reference(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    assert shipment.id
    assert shipment.reference == "action-1"
    assert shipment.rates
    assert not shipment.carrier_messages
    cheapest = choose_rate(shipment.rates, RateRule())
    assert cheapest.amount == min(r.amount for r in shipment.rates)
    assert cheapest.currency == "USD"


def test_the_shipment_is_a_return_of_the_original_addresses(shipping: ShippingWorld):
    _shipment(shipping)
    sent = shipping.standin.calls[-1].json()["shipment"]
    # The provider swaps them itself: we pass the outbound addresses unchanged.
    assert sent["is_return"] is True
    assert sent["to_address"]["street1"] == CUSTOMER.address1
    assert sent["from_address"]["zip"] == WAREHOUSE.zip
    assert sent["parcel"]["weight"] == 16.0


def test_no_rates_come_with_the_carriers_messages(shipping: ShippingWorld):
    shipping.standin.no_rates_zips.add(CUSTOMER.zip)
    shipment = _shipment(shipping)
    assert shipment.rates == ()
    assert any(m.startswith("USPS: ") and "postal code" in m for m in shipment.carrier_messages)


def test_an_address_the_provider_refuses_is_address_invalid(shipping: ShippingWorld):
    shipping.standin.invalid_zips.add(CUSTOMER.zip)
    with pytest.raises(AddressInvalid):
        _shipment(shipping)


def test_buying_keeps_label_tracking_carrier_service_and_cost(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    rate = choose_rate(shipment.rates, RateRule())
    label = shipping.provider.buy(shipment.id, rate.id)
    assert label.shipment_id == shipment.id
    assert label.tracking_code
    assert label.label_url.startswith("https://")
    assert (label.carrier, label.service, label.cost) == (rate.carrier, rate.service, rate.amount)
    assert label.tracker_id
    assert shipping.provider.get_shipment(shipment.id).label == label


def test_buying_again_returns_the_same_label_and_never_buys_twice(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    rate = shipment.rates[0]
    first = shipping.provider.buy(shipment.id, rate.id)
    again = shipping.provider.buy(shipment.id, shipment.rates[1].id)
    assert again == first
    assert shipping.purchases() == 1


def test_postage_exists_from_a_concurrent_buy_is_fetched_not_bought(
    shipping: ShippingWorld, monkeypatch: pytest.MonkeyPatch
):
    shipment = _shipment(shipping)
    shipping.provider.buy(shipment.id, shipment.rates[0].id)
    # This attempt read the shipment before the other one bought it.
    reads = iter([shipment])
    real = shipping.provider.get_shipment
    monkeypatch.setattr(
        shipping.provider, "get_shipment", lambda sid: next(reads, None) or real(sid)
    )
    label = shipping.provider.buy(shipment.id, shipment.rates[0].id)
    assert label.tracking_code
    assert shipping.purchases() == 1


def test_an_empty_wallet_is_payment_required_and_buys_nothing(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    shipping.standin.wallet_empty = True
    with pytest.raises(PaymentRequired):
        shipping.provider.buy(shipment.id, shipment.rates[0].id)
    assert shipping.purchases() == 0
    assert shipping.provider.get_shipment(shipment.id).label is None


@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimited), (500, Transient), (503, Transient)]
)
def test_rate_limits_and_outages_are_retryable(shipping: ShippingWorld, status, error):
    shipping.standin.fail_next = [status]
    with pytest.raises(error) as raised:
        _shipment(shipping)
    assert raised.value.retryable


def test_a_refused_key_is_not_authorized(shipping: ShippingWorld):
    with pytest.raises(NotAuthorized):
        shipping.bad_key_provider.create_return_shipment(
            customer=CUSTOMER, warehouse=WAREHOUSE, parcel=PARCEL, reference="x"
        )


def test_another_accounts_shipment_cannot_be_read_bought_or_voided(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    with pytest.raises(LabelRejected):
        shipping.other_provider.get_shipment(shipment.id)
    with pytest.raises(LabelRejected):
        shipping.other_provider.buy(shipment.id, shipment.rates[0].id)
    assert shipping.purchases() == 0


def test_an_unused_label_is_voided_once(shipping: ShippingWorld):
    shipment = _shipment(shipping)
    shipping.provider.buy(shipment.id, shipment.rates[0].id)
    assert shipping.provider.void(shipment.id) == "submitted"
    with pytest.raises(LabelRejected):
        shipping.provider.void(shipment.id)


def test_a_shipment_without_postage_cannot_be_voided(shipping: ShippingWorld):
    with pytest.raises(LabelRejected):
        shipping.provider.void(_shipment(shipping).id)


# ---------------------------------------------------------------- trackers


def test_a_tracker_reports_status_events_and_is_not_duplicated(shipping: ShippingWorld):
    tracker = shipping.provider.create_tracker("EZ4000000004", "USPS")
    assert tracker.status == TrackingStatus.DELIVERED
    assert tracker.latest is not None
    assert tracker.latest.location == "Springfield, IL, US"
    assert tracker.latest.at is not None
    assert tracker.latest.at.tzinfo is not None
    assert shipping.provider.create_tracker("EZ4000000004", "USPS").id == tracker.id
    assert shipping.provider.get_tracker(tracker.id).tracking_code == "EZ4000000004"


def test_a_tracker_without_a_detectable_carrier_is_refused(shipping: ShippingWorld):
    with pytest.raises(LabelRejected):
        shipping.provider.create_tracker("1Z-not-a-test-code")


def test_an_in_transit_tracker_has_an_estimate_and_a_public_link(shipping: ShippingWorld):
    tracker = shipping.provider.create_tracker("EZ2000000002", "usps")  # a platform's spelling
    assert tracker.status == TrackingStatus.IN_TRANSIT
    assert tracker.carrier == "USPS"
    assert tracker.estimated_delivery_at is not None
    assert tracker.public_url.startswith("https://")
    read = shipping.provider.get_tracker(tracker.id)
    assert (read.id, read.public_url, read.status) == (tracker.id, tracker.public_url, "in_transit")


def test_another_accounts_tracker_is_not_readable(shipping: ShippingWorld):
    tracker = shipping.provider.create_tracker("EZ2000000002", "USPS")
    with pytest.raises(LabelRejected):
        shipping.other_provider.get_tracker(tracker.id)


# ---------------------------------------------------------------- the merchant's rule

RATES_RULE_CASES = [
    (RateRule(), ("USPS", "GroundAdvantage")),
    (RateRule(RateChoice.PREFERRED, carriers=("ups",)), ("UPS", "Ground")),
    (
        RateRule(RateChoice.PREFERRED, carriers=("usps",), services=("priority",)),
        ("USPS", "Priority"),
    ),
    (RateRule(RateChoice.FASTEST_WITHIN_CAP, price_cap=Decimal("10.00")), ("USPS", "Priority")),
    (RateRule(RateChoice.FASTEST_WITHIN_CAP, price_cap=Decimal("30")), ("USPS", "Priority")),
    (RateRule(RateChoice.FASTEST_WITHIN_CAP, price_cap=None), ("USPS", "Priority")),
]


@pytest.mark.parametrize(("rule", "expected"), RATES_RULE_CASES)
def test_the_merchants_rule_picks_the_rate(shipping: ShippingWorld, rule, expected):
    rate = choose_rate(_shipment(shipping).rates, rule)
    assert (rate.carrier, rate.service) == expected


@pytest.mark.parametrize(
    "rule",
    [
        RateRule(RateChoice.PREFERRED, carriers=("DHL",)),
        RateRule(RateChoice.FASTEST_WITHIN_CAP, price_cap=Decimal("5.00")),
    ],
)
def test_no_rate_meeting_the_rule_is_no_rates(shipping: ShippingWorld, rule):
    from apps.integrations.shipping.base import NoRates

    with pytest.raises(NoRates):
        choose_rate(_shipment(shipping).rates, rule)
