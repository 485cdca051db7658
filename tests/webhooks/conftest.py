from __future__ import annotations

from typing import Any

import pytest

from tests.factories import StoreFactory
from tests.webhooks.helpers import SHOP, queued_event_ids


@pytest.fixture
def shop(db: Any) -> Any:
    """The installed store the fixtures' payloads belong to (jsmith.myshopify.com)."""
    return StoreFactory(domain=SHOP, name="John Smith Test Store")


@pytest.fixture
def queued() -> Any:
    """How many webhook events are queued for the worker in the test broker, once this
    process's relay has published everything handed to it."""
    from apps.webhooks.relay import relay

    def count() -> int:
        assert relay.flush(), "the webhook relay did not drain"
        return len(queued_event_ids())

    return count


@pytest.fixture(autouse=True)
def _broker_warnings_not_throttled(monkeypatch: Any) -> None:
    """Each test sees the first broker-outage warning (the throttle is per process)."""
    from apps.webhooks import dispatch

    monkeypatch.setitem(dispatch._warned, "at", float("-inf"))
