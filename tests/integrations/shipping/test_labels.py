"""A return label is bought at most once per reference, whatever dies when."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import easypost
import pytest

from apps.integrations.shipping import labels
from apps.integrations.shipping.base import NoRates, PaymentRequired, RateRule, Transient
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from apps.integrations.shipping.models import LabelState, ReturnShipment
from standins.easypost import EasyPostStandIn
from tests.factories import StoreFactory
from tests.integrations.shipping.test_contract import CUSTOMER, PARCEL, WAREHOUSE

KEY = "EZTKlabels"


class Killed(BaseException):
    """The worker died (not an Exception: nothing in the code under test catches it)."""


@pytest.fixture
def standin() -> EasyPostStandIn:
    return EasyPostStandIn((KEY,))


@pytest.fixture
def shipping(standin: EasyPostStandIn) -> EasyPostShipping:
    return EasyPostShipping(standin.mount(easypost.EasyPostClient(KEY)))


@pytest.fixture
def store(db: Any) -> Any:
    return StoreFactory()


def _buy(
    store: Any, shipping: EasyPostShipping, reference: str = "return_label:abc"
) -> ReturnShipment:
    return labels.return_label_buy(
        store=store,
        reference=reference,
        shipping=shipping,
        customer=CUSTOMER,
        warehouse=WAREHOUSE,
        parcel=PARCEL,
        rule=RateRule(),
    )


def _purchases(standin: EasyPostStandIn) -> int:
    return standin.accounts[KEY].purchases


def test_the_label_is_bought_and_kept(store, shipping, standin):
    row = _buy(store, shipping)
    assert row.state == LabelState.BOUGHT
    assert (row.carrier, row.service, row.cost) == ("USPS", "GroundAdvantage", Decimal("6.95"))
    assert row.label_url
    assert row.tracking_code
    assert row.tracker_id
    assert row.shipment_id
    assert _purchases(standin) == 1


def test_a_second_attempt_returns_the_same_label(store, shipping, standin):
    first = _buy(store, shipping)
    again = _buy(store, shipping)
    assert again.pk == first.pk
    assert again.tracking_code == first.tracking_code
    assert _purchases(standin) == 1
    assert ReturnShipment.objects.count() == 1


def test_killed_after_buying_before_saving_the_next_attempt_does_not_buy_again(
    store, shipping, standin, monkeypatch
):
    real = labels._bought

    def die(row, label):
        raise Killed

    monkeypatch.setattr(labels, "_bought", die)
    with pytest.raises(Killed):
        _buy(store, shipping)
    assert ReturnShipment.objects.get().state == LabelState.INTENDED
    monkeypatch.setattr(labels, "_bought", real)
    row = _buy(store, shipping)
    assert row.state == LabelState.BOUGHT
    assert row.tracking_code
    assert _purchases(standin) == 1


def test_no_rates_buys_nothing_and_keeps_the_carriers_words(store, shipping, standin):
    standin.no_rates_zips.add(CUSTOMER.zip)
    with pytest.raises(NoRates) as raised:
        _buy(store, shipping)
    assert any("postal code" in m for m in raised.value.carrier_messages)
    row = ReturnShipment.objects.get()
    assert row.state == LabelState.NO_RATES
    assert "postal code" in row.error
    assert _purchases(standin) == 0


def test_an_outage_while_buying_is_finished_by_the_retry_once(store, shipping, standin):
    _buy_calls = []
    real_buy = shipping.buy

    def flaky(shipment_id, rate_id):
        _buy_calls.append(shipment_id)
        if len(_buy_calls) == 1:
            raise Transient("EasyPost did not answer.")
        return real_buy(shipment_id, rate_id)

    shipping.buy = flaky  # type: ignore[method-assign]
    with pytest.raises(Transient):
        _buy(store, shipping)
    assert ReturnShipment.objects.get().state == LabelState.INTENDED
    row = _buy(store, shipping)
    assert row.state == LabelState.BOUGHT
    assert _buy_calls[0] == _buy_calls[1]  # the same shipment, not a new one
    assert _purchases(standin) == 1


def test_an_empty_wallet_fails_the_label_until_the_merchant_pays(store, shipping, standin):
    standin.wallet_empty = True
    with pytest.raises(PaymentRequired):
        _buy(store, shipping)
    assert ReturnShipment.objects.get().state == LabelState.FAILED
    standin.wallet_empty = False
    assert _buy(store, shipping).state == LabelState.BOUGHT
    assert _purchases(standin) == 1


def test_two_stores_never_share_a_label(db, shipping, standin):
    one, two = StoreFactory(), StoreFactory()
    assert _buy(one, shipping).pk != _buy(two, shipping).pk
    assert _purchases(standin) == 2
