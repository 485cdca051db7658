"""The store's time zone: the platform's report is followed when it changes, the merchant's
own choice stays through repeats of the same report, and every change is announced once
it has committed."""

from __future__ import annotations

from typing import Any

import pytest

from apps.stores.models import Store
from apps.stores.time_zones import (
    store_time_zone_choose,
    store_time_zone_reported,
    time_zone_changed,
    zone_name,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced() -> Any:
    received: list[int] = []

    def receiver(sender: Any, store_id: int, **kwargs: Any) -> None:
        received.append(store_id)

    time_zone_changed.connect(receiver, dispatch_uid="test-time-zone-announced")
    yield received
    time_zone_changed.disconnect(dispatch_uid="test-time-zone-announced")


def _zones(store: Store) -> tuple[str, str]:
    row = Store.objects.get(pk=store.pk)
    return row.timezone, row.platform_timezone


@pytest.mark.parametrize(
    "value",
    [None, "", 5, "Mars/Olympus_Mons", "/usr/share/zoneinfo/UTC", "../zoneinfo/UTC", "UTC+3",
     "America/New_York\n", "A" * 65],
)  # fmt: skip
def test_only_iana_zone_names_count(value: object) -> None:
    assert zone_name(value) is None


def test_a_known_zone_name_counts() -> None:
    assert zone_name("Pacific/Auckland") == "Pacific/Auckland"


def test_the_first_report_sets_the_zone_and_announces_it_on_commit(
    django_capture_on_commit_callbacks: Any, announced: list[int]
) -> None:
    store = StoreFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert store_time_zone_reported(store, "America/Los_Angeles") is True
    assert announced == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert announced == [store.pk]
    assert _zones(store) == ("America/Los_Angeles", "America/Los_Angeles")
    assert store.timezone == "America/Los_Angeles"


def test_the_same_report_again_keeps_the_merchants_own_choice(
    django_capture_on_commit_callbacks: Any, announced: list[int]
) -> None:
    store = StoreFactory()
    with django_capture_on_commit_callbacks(execute=True):
        store_time_zone_reported(store, "America/Los_Angeles")
        store_time_zone_choose(store, "Europe/Berlin")

    with django_capture_on_commit_callbacks(execute=True):
        assert store_time_zone_reported(store, "America/Los_Angeles") is False

    assert _zones(store) == ("Europe/Berlin", "America/Los_Angeles")
    assert announced == [store.pk, store.pk]


def test_a_new_report_overrides_the_merchants_choice(
    django_capture_on_commit_callbacks: Any,
) -> None:
    store = StoreFactory()
    with django_capture_on_commit_callbacks(execute=True):
        store_time_zone_reported(store, "America/Los_Angeles")
        store_time_zone_choose(store, "Europe/Berlin")

    assert store_time_zone_reported(store, "Asia/Tokyo") is True

    assert _zones(store) == ("Asia/Tokyo", "Asia/Tokyo")


def test_a_report_equal_to_the_zone_already_set_records_it_without_announcing(
    django_capture_on_commit_callbacks: Any, announced: list[int]
) -> None:
    store = StoreFactory(timezone="Asia/Tokyo")

    with django_capture_on_commit_callbacks(execute=True):
        assert store_time_zone_reported(store, "Asia/Tokyo") is False

    assert _zones(store) == ("Asia/Tokyo", "Asia/Tokyo")
    assert announced == []


@pytest.mark.parametrize("value", [None, "", "Not/A_Zone", {"iana": "UTC"}])
def test_a_report_that_is_not_a_zone_changes_nothing(
    value: object, django_capture_on_commit_callbacks: Any, announced: list[int]
) -> None:
    store = StoreFactory(timezone="Asia/Tokyo")

    with django_capture_on_commit_callbacks(execute=True):
        assert store_time_zone_reported(store, value) is False

    assert _zones(store) == ("Asia/Tokyo", "")
    assert announced == []


def test_choosing_a_zone_that_is_not_one_raises_and_changes_nothing() -> None:
    store = StoreFactory(timezone="Asia/Tokyo")

    with pytest.raises(ValueError, match="IANA"):
        store_time_zone_choose(store, "Atlantis/Capital")

    assert _zones(store) == ("Asia/Tokyo", "")


def test_choosing_the_zone_already_set_is_not_a_change(
    django_capture_on_commit_callbacks: Any, announced: list[int]
) -> None:
    store = StoreFactory(timezone="Asia/Tokyo")

    with django_capture_on_commit_callbacks(execute=True):
        assert store_time_zone_choose(store, "Asia/Tokyo") is False

    assert announced == []


def test_a_change_touches_only_its_own_store() -> None:
    store, other = StoreFactory(), StoreFactory(timezone="Europe/Paris")

    store_time_zone_reported(store, "Asia/Tokyo")

    assert _zones(other) == ("Europe/Paris", "")
