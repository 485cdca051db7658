"""Backends of the shipping contract. A new provider adds its name to BACKENDS and a
`<name>_shipping` fixture returning a `ShippingWorld` over its stand-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import easypost
import pytest

from apps.integrations.shipping.base import ShippingProvider
from apps.integrations.shipping.easypost.provider import EasyPostShipping
from standins.easypost import EasyPostStandIn

BACKENDS = ["easypost"]
KEY_A, KEY_B = "EZTKstoreA", "EZTKstoreB"


@dataclass
class ShippingWorld:
    provider: ShippingProvider
    other_provider: ShippingProvider  # another store's account at the same provider
    bad_key_provider: ShippingProvider
    standin: EasyPostStandIn
    purchases: Callable[[], int]  # labels bought on store A's account


def _client(standin: EasyPostStandIn, key: str) -> EasyPostShipping:
    return EasyPostShipping(standin.mount(easypost.EasyPostClient(key)))


@pytest.fixture
def easypost_shipping() -> ShippingWorld:
    standin = EasyPostStandIn((KEY_A, KEY_B))
    return ShippingWorld(
        provider=_client(standin, KEY_A),
        other_provider=_client(standin, KEY_B),
        bad_key_provider=_client(standin, "EZTKrevoked"),
        standin=standin,
        purchases=lambda: standin.accounts[KEY_A].purchases,
    )


@pytest.fixture(params=BACKENDS)
def shipping(request: pytest.FixtureRequest) -> ShippingWorld:
    return request.getfixturevalue(f"{request.param}_shipping")
