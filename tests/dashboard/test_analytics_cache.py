"""The past days' figures are cached, equal the live computation, and are never read stale."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

import apps.dashboard.analytics as analytics
from apps.dashboard.analytics import DateRange, store_analytics
from apps.dashboard.analytics.models import DailyRollup
from apps.dashboard.analytics.rollups import local_today, rollup_refresh
from tests.dashboard.conversation_shapes import conversation, escalated
from tests.dashboard.test_analytics_rollups import _figures, _generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch):
    """How many times the rollups' rows were read (not served from the cache)."""
    calls = []
    real = analytics.rollup_read

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(analytics, "rollup_read", counting)
    return calls


def _span(shop, now, days=9):
    today = local_today(shop, now)
    return DateRange(today - timedelta(days=days - 1), today)


def test_a_cached_range_equals_the_live_computation(shop, reads):
    now = timezone.now()
    first = _generate(shop, now)
    rollup_refresh(shop, first - timedelta(days=1), local_today(shop, now), now=now)
    span = _span(shop, now)

    fresh = store_analytics(shop, span, now=now)
    again = store_analytics(shop, span, now=now)
    live = store_analytics(shop, span, now=now, rollups=False)

    assert len(reads) == 1  # the second view came from the cache
    assert _figures(fresh) == _figures(again) == _figures(live)
    assert fresh.totals.conversations > 0


def test_todays_rows_are_live_even_when_the_past_is_cached(shop, reads):
    now = timezone.now()
    rollup_refresh(
        shop, local_today(shop, now) - timedelta(days=8), local_today(shop, now), now=now
    )
    span = _span(shop, now)
    store_analytics(shop, span, now=now)
    conversation(shop, started=now - timedelta(minutes=5))

    data = store_analytics(shop, span, now=now)

    assert len(reads) == 1
    assert (data.days[-1].conversations, data.totals.conversations) == (1, 1)


def test_a_rewritten_rollup_is_never_read_stale(shop, reads):
    now = timezone.now()
    today = local_today(shop, now)
    past = datetime.combine(today - timedelta(days=2), time(12), tzinfo=shop.zone)
    conversation(shop, started=past)
    rollup_refresh(shop, today - timedelta(days=8), today, now=now)
    span = _span(shop, now)
    assert store_analytics(shop, span, now=now).totals.conversations == 1

    # A recompute stamped with the very same computed_at still makes a new key.
    escalated(shop, started=past)
    rollup_refresh(shop, today - timedelta(days=2), today, now=now)
    data = store_analytics(shop, span, now=now)

    assert len(reads) == 2
    assert (data.totals.conversations, data.totals.escalated) == (2, 1)
    assert _figures(data) == _figures(store_analytics(shop, span, now=now, rollups=False))


def test_a_rollup_changed_in_place_is_never_read_stale(shop, reads):
    now = timezone.now()
    today = local_today(shop, now)
    rollup_refresh(shop, today - timedelta(days=8), today, now=now)
    span = _span(shop, now)
    store_analytics(shop, span, now=now)

    DailyRollup.objects.filter(store=shop, day=today - timedelta(days=3)).update(
        actions={"refund": 4}, actions_executed=4
    )
    data = store_analytics(shop, span, now=now)

    assert len(reads) == 2
    assert data.actions_executed == 4


def test_a_time_zone_change_is_not_served_from_the_old_zones_cache(shop, reads):
    now = timezone.now()
    today = local_today(shop, now)
    conversation(
        shop, started=datetime.combine(today - timedelta(days=2), time(12), tzinfo=shop.zone)
    )
    rollup_refresh(shop, today - timedelta(days=8), today, now=now)
    store_analytics(shop, _span(shop, now), now=now)

    shop.timezone = "Pacific/Auckland" if shop.timezone != "Pacific/Auckland" else "America/Lima"
    shop.save(update_fields=["timezone"])
    span = _span(shop, now)
    data = store_analytics(shop, span, now=now)

    # The old zone's rollups are not this calendar's: computed live until recomputed.
    assert len(reads) == 2
    assert _figures(data) == _figures(store_analytics(shop, span, now=now, rollups=False))
    rollup_refresh(shop, span.start, span.end, now=now)
    assert _figures(store_analytics(shop, span, now=now)) == _figures(data)
    assert len(reads) == 3
