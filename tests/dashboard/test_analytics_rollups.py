"""Daily rollups: equal to the live computation across day boundaries and time zones,
kept fresh by signals, the sweep and the nightly heal, and kept after the rows are gone."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.conversations.models import ActionStatus, AgentAction, Conversation
from apps.dashboard.analytics import DateRange, store_analytics
from apps.dashboard.analytics import tasks as rollup_tasks
from apps.dashboard.analytics.models import DailyRollup
from apps.dashboard.analytics.rollups import local_today, rollup_refresh
from apps.stores.models import StoreSettings
from tests.dashboard.conversation_shapes import (
    abandoned,
    conversation,
    escalated,
    human_finished,
)

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _generate(store, now: datetime) -> date:
    """A week of conversations in every shape, many a few minutes either side of the
    store's midnight, with actions carried out after midnight; returns the first day."""
    first = local_today(store, now) - timedelta(days=7)
    _generate_days(store, first, 8, now)
    return first


def _generate_days(store, first: date, count: int, now: datetime) -> None:
    """`count` days from `first` of conversations in every shape (see _generate)."""
    zone = store.zone
    shapes = itertools.cycle(
        [
            lambda at: conversation(store, started=at, reply_after=7 * S, refund=("12.50", "USD")),
            lambda at: conversation(
                store,
                started=at,
                intent="cancel_order",
                reply_after=200 * S,
                cancellation=("30.00", "EUR", True),
            ),  # fmt: skip
            lambda at: escalated(store, started=at, intent="complaint", reply_after=45 * S),
            lambda at: human_finished(store, started=at, reply_after=3 * S),
            lambda at: abandoned(store, started=at, intent="return_request"),
            lambda at: conversation(store, started=at, intent="", reply_after=None),
        ]
    )
    for offset in range(count):
        day = first + timedelta(days=offset)
        for at in (time(0, 5), time(11, 0), time(23, 50)):
            started = _local(day, at, zone)
            if started < now - timedelta(minutes=30):
                next(shapes)(started)


def _figures(data):
    return (
        data.totals,
        [
            (
                r.day,
                r.conversations,
                r.ai_resolved,
                r.escalated,
                r.median_first_reply,
                r.actions_executed,
                r.refunds_count,
                r.refunds,
            )
            for r in data.days
        ],  # fmt: skip
        data.intents,
        data.actions,
        data.refunds,
    )


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles", "UTC"])
def test_rollups_equal_the_live_computation(shop, zone):
    shop.timezone = zone
    shop.save(update_fields=["timezone"])
    now = timezone.now()
    first = _generate(shop, now)
    today = local_today(shop, now)

    written = rollup_refresh(shop, first - timedelta(days=1), today, now=now)
    span = DateRange(first - timedelta(days=1), today)
    from_rollups = store_analytics(shop, span, now=now)
    live = store_analytics(shop, span, now=now, rollups=False)

    assert written == 8  # every past day, today excluded
    assert DailyRollup.objects.filter(store=shop).count() == 8
    assert not DailyRollup.objects.filter(store=shop, day=today).exists()
    assert _figures(from_rollups) == _figures(live)
    assert from_rollups.totals.conversations == Conversation.objects.filter(store=shop).count()
    assert from_rollups.refunds
    assert from_rollups.totals.ai_resolved > 0


def _last_offset_change(zone: ZoneInfo, today: date) -> date:
    """The latest day of the past year whose UTC offset differs from the day before (a
    DST change), or 100 days ago in a zone without one."""
    for back in range(1, 366):
        day = today - timedelta(days=back)
        noon = _local(day, time(12), zone)
        if noon.utcoffset() != _local(day - timedelta(days=1), time(12), zone).utcoffset():
            return day
    return today - timedelta(days=100)


def _shown(row_or_totals, data=None):
    """What a table row shows, or the same figures of a whole range (`data`)."""
    if data is None:
        refunds = row_or_totals.refunds
        actions, count = row_or_totals.actions_executed, row_or_totals.refunds_count
    else:
        refunds = {r.currency: r.amount for r in data.refunds}
        actions, count = data.actions_executed, sum(r.count for r in data.refunds)
    return (
        row_or_totals.conversations,
        row_or_totals.ai_resolved,
        row_or_totals.escalated,
        row_or_totals.median_first_reply,
        actions,
        count,
        refunds,
    )


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland", "UTC"])
def test_a_week_row_equals_its_days_computed_live_across_a_dst_change(shop, zone):
    shop.timezone = zone
    shop.save(update_fields=["timezone"])
    now = timezone.now()
    today = local_today(shop, now)
    change = _last_offset_change(shop.zone, today)
    first, last = change - timedelta(days=10), min(change + timedelta(days=10), today)
    _generate_days(shop, first, (last - first).days + 1, now)
    rollup_refresh(shop, first, today, now=now)
    span = DateRange(first, last)

    weekly = store_analytics(shop, span, now=now, weekly=True)
    cached = store_analytics(shop, span, now=now, weekly=True)
    live = store_analytics(shop, span, now=now, rollups=False, weekly=True)

    rows = weekly.days
    assert _figures(weekly) == _figures(live) == _figures(cached)
    # Monday to Sunday, the first and last cut to the range, every day in one row.
    assert (rows[0].day, rows[-1].last) == (first, last)
    assert all(r.day.weekday() == 0 for r in rows[1:])
    assert all(b.day == a.last + timedelta(days=1) for a, b in itertools.pairwise(rows))
    assert all(r.last.weekday() == 6 for r in rows[:-1])
    # Each week shows what its days show computed from the live rows as a range of their
    # own: counts summed, the median of the week's replies (not a median of medians).
    for row in rows:
        own = store_analytics(shop, DateRange(row.day, row.last), now=now, rollups=False)
        assert _shown(row) == _shown(own.totals, own)
    assert weekly.totals == store_analytics(shop, span, now=now).totals
    assert sum(r.conversations for r in rows) > 0


def test_a_week_that_began_before_today_is_one_row_with_today(shop):
    now = timezone.now()
    today = local_today(shop, now)
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(days=14)
    _generate_days(shop, first, (today - first).days + 1, now)
    conversation(shop, started=now - timedelta(minutes=40), reply_after=11 * S)
    rollup_refresh(shop, first, today, now=now)
    span = DateRange(first, today)

    weekly = store_analytics(shop, span, now=now, weekly=True)
    again = store_analytics(shop, span, now=now, weekly=True)  # past weeks from the cache
    live = store_analytics(shop, span, now=now, rollups=False, weekly=True)

    assert _figures(weekly) == _figures(again) == _figures(live)
    assert (weekly.days[-1].day, weekly.days[-1].last) == (monday, today)
    own = store_analytics(shop, DateRange(monday, today), now=now, rollups=False)
    assert _shown(weekly.days[-1]) == _shown(own.totals, own)


def test_the_day_is_the_stores_day_not_utcs(shop):
    shop.timezone = "America/Los_Angeles"
    shop.save(update_fields=["timezone"])
    zone = shop.zone
    now = timezone.now()
    day = local_today(shop, now) - timedelta(days=3)
    # 23:50 in Los Angeles is the next day in UTC.
    conversation(shop, started=_local(day, time(23, 50), zone))
    rollup_refresh(shop, day - timedelta(days=1), day + timedelta(days=1), now=now)

    data = store_analytics(
        shop, DateRange(day - timedelta(days=1), day + timedelta(days=1)), now=now
    )

    assert [r.conversations for r in data.days] == [0, 1, 0]
    row = DailyRollup.objects.get(store=shop, day=day)
    assert (row.conversations, row.timezone) == (1, "America/Los_Angeles")


def test_the_page_reads_rollups_for_past_days_and_live_rows_for_today(shop):
    now = timezone.now()
    today = local_today(shop, now)
    past = datetime.combine(today - timedelta(days=2), time(12), tzinfo=shop.zone)
    conversation(shop, started=past)
    rollup_refresh(shop, today - timedelta(days=2), today, now=now)
    # A past row the rollup has not seen yet is not shown until the rollup is refreshed;
    # today's rows always are.
    conversation(shop, started=past)
    conversation(shop, started=now - timedelta(minutes=5))

    data = store_analytics(shop, DateRange(today - timedelta(days=2), today), now=now)
    assert [r.conversations for r in data.days] == [1, 0, 1]

    rollup_refresh(shop, today - timedelta(days=2), today, now=now)
    data = store_analytics(shop, DateRange(today - timedelta(days=2), today), now=now)
    assert [r.conversations for r in data.days] == [2, 0, 1]


def test_a_rollup_in_another_time_zone_is_not_used(shop):
    now = timezone.now()
    today = local_today(shop, now)
    conversation(
        shop, started=datetime.combine(today - timedelta(days=2), time(12), tzinfo=shop.zone)
    )
    rollup_refresh(shop, today - timedelta(days=2), today, now=now)
    DailyRollup.objects.filter(store=shop).update(conversations=99)
    shop.timezone = "Asia/Tokyo"
    shop.save(update_fields=["timezone"])

    data = store_analytics(
        shop, DateRange(today - timedelta(days=3), today - timedelta(days=1)), now=now
    )

    assert data.totals.conversations == 1


def test_the_history_outlives_the_rows_retention_erased(shop):
    StoreSettings.objects.get_or_create(store=shop)
    shop.refresh_from_db()
    now = timezone.now()
    today = local_today(shop, now)
    old = today - timedelta(days=40)
    conversation(shop, started=datetime.combine(old, time(12), tzinfo=shop.zone))
    # Written while the rows were there (before the store shortened its retention).
    rollup_refresh(shop, old, old, now=now)
    shop.settings.conversation_retention_days = 30
    shop.settings.save()
    Conversation.objects.filter(store=shop).delete()

    assert rollup_refresh(shop, old, old, now=now) == 0  # erased days are never recomputed
    data = store_analytics(shop, DateRange(old, old), now=now)
    assert data.totals.conversations == 1


def test_a_state_change_on_a_past_day_refreshes_its_rollup(
    shop, django_capture_on_commit_callbacks, monkeypatch
):
    now = timezone.now()
    today = local_today(shop, now)
    day = today - timedelta(days=4)
    convo = conversation(shop, started=datetime.combine(day, time(12), tzinfo=shop.zone))
    rollup_refresh(shop, day, day, now=now)
    assert DailyRollup.objects.get(store=shop, day=day).ai_resolved == 1
    ran: list[tuple[tuple[int, str, str], int]] = []

    def apply_async(args, countdown):
        ran.append((args, countdown))
        rollup_tasks.rollup_refresh_days(*args)

    monkeypatch.setattr(rollup_tasks.rollup_refresh_days, "apply_async", apply_async)

    with django_capture_on_commit_callbacks(execute=True):
        action = AgentAction.objects.filter(conversation=convo).first()
        action.status = ActionStatus.FAILED
        action.save()
    # More saves of that day in the next seconds ride on the refresh already scheduled.
    with django_capture_on_commit_callbacks(execute=True):
        convo.save()
        action.save()

    assert ran == [((shop.pk, day.isoformat(), day.isoformat()), 5)]
    assert DailyRollup.objects.get(store=shop, day=day).ai_resolved == 0


def test_today_changes_enqueue_nothing(shop, django_capture_on_commit_callbacks, monkeypatch):
    ran: list[object] = []
    monkeypatch.setattr(
        rollup_tasks.rollup_refresh_days, "apply_async", lambda *a, **k: ran.append(a)
    )

    with django_capture_on_commit_callbacks(execute=True):
        convo = conversation(shop, started=timezone.now() - timedelta(minutes=1))
        convo.status = "resolved"
        convo.save()

    assert ran == []


def test_the_sweep_finds_changed_days_and_quiet_periods_ending(shop, other_shop):
    now = timezone.now()
    today = local_today(shop, now)
    touched = conversation(
        shop, started=datetime.combine(today - timedelta(days=5), time(12), tzinfo=shop.zone)
    )
    Conversation.objects.filter(pk=touched.pk).update(updated_at=now - timedelta(minutes=10))
    # Its last message 24 h 30 min ago: the quiet period ended half an hour ago.
    quiet = conversation(other_shop, started=now - timedelta(days=3))
    Conversation.objects.filter(pk=quiet.pk).update(
        last_message_at=now - timedelta(hours=24, minutes=30), updated_at=now - timedelta(days=2)
    )
    untouched = conversation(shop, started=now - timedelta(days=9))
    Conversation.objects.filter(pk=untouched.pk).update(updated_at=now - timedelta(days=8))
    AgentAction.objects.filter(conversation__in=[quiet, untouched]).update(
        updated_at=now - timedelta(days=2)
    )
    AgentAction.objects.filter(conversation=touched).update(updated_at=now - timedelta(days=2))
    conversation(shop, started=now - timedelta(minutes=20))  # today: live, never rolled up

    days = rollup_tasks.changed_days(now)

    assert days == {
        (shop.pk, today - timedelta(days=5)),
        (other_shop.pk, timezone.localtime(quiet.created_at, other_shop.zone).date()),
    }


def test_the_nightly_heal_is_at_the_stores_heal_hour(shop, other_shop, settings):
    settings.ROLLUP_HEAL_HOUR = 2
    shop.timezone = "UTC"
    shop.save(update_fields=["timezone"])
    other_shop.timezone = "Asia/Tokyo"  # 11:00 there at 02:00 UTC
    other_shop.save(update_fields=["timezone"])
    at = datetime.combine(timezone.now().date(), time(2, 10), tzinfo=ZoneInfo("UTC"))

    due = rollup_tasks.stores_due_for_heal(at)

    assert [s.pk for s in due] == [shop.pk]


def test_the_backfill_command_rolls_up_history(shop, other_shop):
    from io import StringIO

    from django.core.management import CommandError, call_command

    now = timezone.now()
    conversation(shop, started=now - timedelta(days=20))
    out = StringIO()

    call_command("analytics_rollups", "--days", "30", "--store", shop.domain, stdout=out)

    assert f"{shop.domain}: 30 day(s) rolled up" in out.getvalue()
    assert DailyRollup.objects.filter(store=shop).count() == 30
    assert DailyRollup.objects.filter(store=shop, conversations=1).count() == 1
    assert not DailyRollup.objects.filter(store=other_shop).exists()
    with pytest.raises(CommandError):
        call_command("analytics_rollups", "--days", "0", stdout=out)
    with pytest.raises(CommandError):
        call_command("analytics_rollups", "--store", "nobody.example", stdout=out)
