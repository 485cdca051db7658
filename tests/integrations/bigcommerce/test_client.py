"""The BigCommerce client against its stand-in: quota headers shared between workers, 429s
with and without them, 204s, outages, refused tokens."""

from __future__ import annotations

import pytest
import respx
from django.utils import timezone

from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient, NotFound
from apps.integrations.commerce.bigcommerce.ratelimit import StoreQuota
from apps.stores.models import Store
from standins.bigcommerce.api import BigCommerceStandIn
from standins.bigcommerce.build import demo_store
from tests.integrations.bigcommerce.contract_world import bigcommerce_store

pytestmark = pytest.mark.django_db

HASH = "quota1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def standin(clock: Clock):
    found = BigCommerceStandIn(HASH, token="tok", quota=10, window_ms=30_000, clock=clock)
    demo_store(found, timezone.now())
    with respx.mock(assert_all_called=False) as router:
        found.mount(router)
        yield found


def _client(clock: Clock, *, token: str = "tok", max_wait: float = 60.0) -> BigCommerceClient:
    store = Store.objects.filter(domain=f"store-{HASH}.mybigcommerce.com").first()
    store = store or bigcommerce_store(HASH, token)
    return BigCommerceClient(store, sleep=clock.sleep, clock=clock, max_wait=max_wait)


def test_an_empty_v2_page_is_204_and_reads_as_nothing(standin, clock):
    client = _client(clock)

    assert client.get("v2/orders", {"email": "nobody@example.com"}) is None
    assert client.get("v2/orders/1003/shipments") is None


def test_a_missing_order_is_not_found(standin, clock):
    with pytest.raises(NotFound):
        _client(clock).get("v2/orders/424242")


def test_the_quota_is_never_overrun_and_its_reset_is_awaited(standin, clock):
    client = _client(clock)
    for _ in range(25):
        client.get("v2/orders/1001")

    assert standin.throttled == 0
    assert clock.slept, "the client waited for the window to reset"
    assert all(s <= 30 for s in clock.slept)


def test_the_quota_seen_by_one_worker_holds_back_another(standin, clock):
    first, second = _client(clock), _client(clock)
    for _ in range(8):  # leaves 2 of 10: the reserve
        first.get("v2/orders/1001")

    assert StoreQuota(HASH, clock=clock).take() > 0
    second.get("v2/orders/1001")

    assert clock.slept
    assert standin.throttled == 0


def test_a_429_with_headers_waits_the_reset_then_succeeds(standin, clock):
    client = _client(clock)
    standin._used = standin.quota  # the merchant's other apps spent the window

    assert client.get("v2/orders/1001")["id"] == 1001
    assert standin.throttled == 1
    assert clock.slept[0] == pytest.approx(30.0, abs=0.01)


def test_a_429_without_headers_backs_off_exponentially(standin, clock):
    standin.bare_429s = 3

    assert _client(clock).get("v2/orders/1001")["id"] == 1001
    assert clock.slept == [0.25, 0.5, 1.0]


def test_an_outage_becomes_transient_within_the_wait_bound(standin, clock):
    standin.outage = True

    with pytest.raises(TransientCommerceError):
        _client(clock, max_wait=2.0).get("v2/orders/1001")
    assert sum(clock.slept) <= 2.0


def test_a_post_that_may_have_arrived_is_not_resent(standin, clock):
    standin.outage = True

    with pytest.raises(TransientCommerceError):
        _client(clock).post("v3/orders/1002/payment_actions/refunds", {"items": []})
    assert standin.calls == ["POST /v3/orders/1002/payment_actions/refunds"]


def test_a_refused_token_flags_the_store_for_reauthorisation(standin, clock):
    client = _client(clock, token="wrong")

    with pytest.raises(ReauthorizationRequired):
        client.get("v2/orders/1001")
    assert Store.objects.get(pk=client.store.pk).needs_reauth


def test_a_network_error_on_a_read_is_retried(standin, clock):
    standin.timeouts_before = 2

    assert _client(clock).get("v2/orders/1001")["id"] == 1001
    assert clock.slept == [0.25, 0.5]
