"""The store's time zone on the settings page, and the analytics days cut again in it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from apps.dashboard.analytics import tasks as rollup_tasks
from apps.dashboard.analytics.models import DailyRollup
from apps.dashboard.analytics.rollups import local_today, retained_since, rollup_refresh
from apps.stores.models import Store
from tests.dashboard.conversation_shapes import conversation

pytestmark = pytest.mark.django_db


def _zone(store: Store) -> str:
    return Store.objects.get(pk=store.pk).timezone


def test_the_settings_page_shows_the_zone_and_what_shopify_says(merchant, shop):
    Store.objects.filter(pk=shop.pk).update(
        timezone="Europe/Lisbon", platform_timezone="America/New_York"
    )

    html = merchant.get("/app/settings/").content.decode()

    assert '<option value="Europe/Lisbon" selected>Europe/Lisbon</option>' in html
    assert "Your Shopify store is set to America/New_York." in html


def test_choosing_a_zone_saves_it_and_cuts_past_days_again_in_it(
    merchant, shop, eager_tasks, django_capture_on_commit_callbacks
):
    now = timezone.now()
    # 20:00 UTC is the next morning in Tokyo.
    day = local_today(shop, now) - timedelta(days=3)
    conversation(shop, started=datetime.combine(day, time(20), tzinfo=shop.zone))
    rollup_refresh(shop, day, day + timedelta(days=1), now=now)

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post("/app/settings/time-zone/", {"timezone": "Asia/Tokyo"})

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert _zone(shop) == "Asia/Tokyo"
    rows = DailyRollup.objects.filter(store=shop, conversations__gt=0)
    assert [(r.day, r.timezone) for r in rows] == [(day + timedelta(days=1), "Asia/Tokyo")]


def test_the_same_zone_again_is_nothing_to_save(merchant, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant.post("/app/settings/time-zone/", {"timezone": "UTC"})

    assert "No changes to save" in response.content.decode()
    assert callbacks == []


@pytest.mark.parametrize("value", ["", "Mars/Base", "/etc/localtime", "UTC\x00", "x" * 500])
def test_a_zone_that_is_not_one_is_refused_and_changes_nothing(
    merchant, shop, value, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = merchant.post("/app/settings/time-zone/", {"timezone": value})

    assert response.status_code == 422
    assert "nothing was saved" in response.content.decode()
    assert _zone(shop) == "UTC"
    assert callbacks == []


def test_a_merchant_changes_only_their_own_store(rival, shop, other_shop):
    rival.post("/app/settings/time-zone/", {"timezone": "Asia/Tokyo"})

    assert (_zone(shop), _zone(other_shop)) == ("UTC", "Asia/Tokyo")


def test_the_rebuild_covers_every_retained_day_a_month_per_task(shop, monkeypatch):
    sent: list[tuple[int, str, str]] = []
    monkeypatch.setattr(rollup_tasks.rollup_refresh_days, "delay", lambda *a: sent.append(a))
    now = timezone.now()

    rollup_tasks.rollups_rebuild(shop.pk)

    spans = [(date.fromisoformat(a), date.fromisoformat(b)) for _, a, b in sent]
    assert {store_id for store_id, _, _ in sent} == {shop.pk}
    assert spans[0][1] == local_today(shop, now) - timedelta(days=1)  # newest first
    assert spans[-1][0] == retained_since(shop, now)
    for (start, _), (_, end) in zip(spans, spans[1:], strict=False):
        assert end == start - timedelta(days=1)  # no gap, no overlap
    assert all((b - a).days + 1 <= rollup_tasks.REBUILD_CHUNK_DAYS for a, b in spans)
