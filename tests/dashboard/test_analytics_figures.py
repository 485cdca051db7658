"""Every analytics figure against numbers worked out by hand, cancellations with refunds
included, on the page, in the CSV and in the per-day table (empty days collapsed)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.dashboard.analytics import DateRange, EmptyDays, buckets, store_analytics
from tests.dashboard.conversation_shapes import conversation, escalated

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture
def d0() -> date:
    return timezone.now().date() - timedelta(days=6)


@pytest.fixture
def ledger(shop, other_shop, d0):
    """By hand:
    d0:   A resolved, lookup + refund 20.00 USD, first reply 10 s
          B resolved, lookup + cancellation refunded 35.00 USD, first reply 20 s
          C resolved, lookup + cancellation of an unpaid order (nothing refunded, 12.00
            USD not returned), first reply 40 s
          E resolved, lookup + refund 7.25 EUR, first reply 2 min 30 s (a 5 s bucket)
    d0+1, d0+2, d0+3: nothing
    d0+4: D escalated (lookup + escalate), first reply 90 s
    """
    conversation(shop, started=_noon(d0), intent="refund_request", reply_after=10 * S,
                 refund=("20.00", "USD"))  # fmt: skip
    conversation(shop, started=_noon(d0), intent="cancel_order", reply_after=20 * S,
                 cancellation=("35.00", "USD", True))  # fmt: skip
    conversation(shop, started=_noon(d0), intent="cancel_order", reply_after=40 * S,
                 cancellation=("12.00", "USD", False))  # fmt: skip
    conversation(shop, started=_noon(d0), intent="refund_request", reply_after=150 * S,
                 refund=("7.25", "EUR"))  # fmt: skip
    escalated(shop, started=_noon(d0 + timedelta(days=4)), intent="complaint", reply_after=90 * S)
    conversation(other_shop, started=_noon(d0), cancellation=("500.00", "USD", True))
    return d0


def test_refunds_include_cancellations_that_refunded(shop, ledger):
    span = DateRange(ledger, ledger + timedelta(days=4))

    data = store_analytics(shop, span, now=timezone.now())

    assert [(r.currency, r.amount, r.count) for r in data.refunds] == [
        ("EUR", Decimal("7.25"), 1),
        ("USD", Decimal("55.00"), 2),  # 20.00 refund + 35.00 refunded cancellation
    ]
    day0 = data.days[0]
    assert (day0.refunds_count, day0.refunds) == (
        3,
        {"EUR": Decimal("7.25"), "USD": Decimal("55.00")},
    )
    assert [(a.kind, a.count) for a in data.actions] == [
        ("lookup_order", 5),
        ("cancel_order", 2),
        ("refund", 2),
        ("escalate", 1),
    ]


def test_counts_rates_and_medians_by_hand(shop, ledger):
    span = DateRange(ledger, ledger + timedelta(days=4))

    data = store_analytics(shop, span, now=timezone.now())

    totals = data.totals
    assert (totals.conversations, totals.ai_resolved, totals.escalated) == (5, 4, 1)
    assert totals.automation_rate == pytest.approx(4 / 5)
    # 10, 20, 40, 90, 150 s: the middle one.
    assert totals.median_first_reply == timedelta(seconds=40)
    day0, *empty, day4 = data.days
    assert (day0.conversations, day0.ai_resolved, day0.escalated, day0.actions_executed) == (
        4,
        4,
        0,
        8,
    )
    assert day0.median_first_reply == timedelta(seconds=30)  # (20 + 40) / 2
    assert [row.is_empty for row in empty] == [True, True, True]
    assert (day4.conversations, day4.escalated, day4.median_first_reply) == (
        1,
        1,
        timedelta(seconds=90),
    )
    intents = {row.intent: row for row in data.intents}
    assert list(intents) == ["cancel_order", "refund_request", "complaint"]
    assert intents["refund_request"].median_first_reply == timedelta(seconds=80)  # (10+150)/2
    assert intents["cancel_order"].automation_rate == 1.0
    assert (intents["complaint"].ai_resolved, intents["complaint"].escalated) == (0, 1)


def test_empty_days_collapse_into_one_row_per_run(merchant, shop, ledger):
    first = ledger - timedelta(days=2)
    last = ledger + timedelta(days=4)

    data = store_analytics(shop, DateRange(first, last), now=timezone.now())
    html = merchant.get(
        "/app/analytics/", {"start": first.isoformat(), "end": last.isoformat()}
    ).content.decode()

    assert data.table_rows == [
        data.days[-1],
        EmptyDays(ledger + timedelta(days=1), ledger + timedelta(days=3)),
        data.days[2],
        EmptyDays(first, ledger - timedelta(days=1)),
    ]
    gap = f"{(ledger + timedelta(days=1)).isoformat()}/{(ledger + timedelta(days=3)).isoformat()}"
    assert f'data-empty-days="{gap}"' in html
    assert "3 days without conversations or actions" in html
    assert "2 days without conversations or actions" in html
    assert html.count("<tr data-day=") == 2
    assert '<span data-refund="USD">55.00 USD</span> refunded (2)' in html


def test_the_csv_keeps_every_day_with_cancellation_refunds(merchant, shop, ledger):
    last = ledger + timedelta(days=4)

    response = merchant.get(
        "/app/analytics/export.csv", {"start": ledger.isoformat(), "end": last.isoformat()}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-3:] == ["refunds", "refunded_EUR", "refunded_USD"]
    assert rows[1] == [ledger.isoformat(), "4", "4", "0", "1.0000", "30.0", "8", "3", "7.25",
                       "55.00"]  # fmt: skip
    assert [row[1] for row in rows[2:5]] == ["0", "0", "0"]
    assert rows[5][1:4] == ["1", "0", "1"]


def test_a_cancellation_the_platform_did_not_refund_is_not_money_returned(shop, d0):
    conversation(shop, started=_noon(d0), cancellation=("60.00", "USD", False))

    data = store_analytics(shop, DateRange(d0, d0), now=timezone.now())

    assert data.refunds == []
    assert dict((a.kind, a.count) for a in data.actions)["cancel_order"] == 1


@pytest.mark.parametrize(
    ("seconds", "bucket", "lower"),
    [(0, 0, 0), (59.9, 59, 59), (119.99, 119, 119), (120, 120, 120), (124.9, 120, 120),
     (125, 121, 125), (599, 215, 595), (600, 216, 600), (3599, 315, 3570),
     (3600, 316, 3600), (86399, 407, 85500), (86400, 408, 86400), (10**7, 408, 86400)],
)  # fmt: skip
def test_duration_buckets(seconds, bucket, lower):
    assert buckets.bucket_of(seconds) == bucket
    assert buckets.lower_bound(bucket) == lower
    assert buckets.OVERFLOW == 408


def test_histogram_medians_merge_like_the_raw_values():
    day1 = {buckets.bucket_of(s): 1 for s in (4, 10)}
    day2 = {buckets.bucket_of(s): 1 for s in (6, 30, 20)}

    assert buckets.median(buckets.merge([day1, day2])) == timedelta(seconds=10)
    assert buckets.median(day1) == timedelta(seconds=7)
    assert buckets.median({}) is None
    assert buckets.from_json(buckets.to_json(day2)) == day2


def test_the_database_buckets_equal_the_python_buckets(shop, d0):
    durations = [0, 1, 59, 119, 120, 124, 125, 599, 600, 3599, 3600, 86399, 86400, 200000]
    for seconds in durations:
        conversation(shop, started=_noon(d0), reply_after=timedelta(seconds=seconds))

    data = store_analytics(shop, DateRange(d0, d0 + timedelta(days=3)), now=timezone.now())
    from apps.dashboard.analytics.conversations import conversation_days

    days = conversation_days(shop, DateRange(d0, d0 + timedelta(days=3)), timezone.now())

    expected: dict[int, int] = {}
    for seconds in durations:
        expected[buckets.bucket_of(seconds)] = expected.get(buckets.bucket_of(seconds), 0) + 1
    assert days[d0].totals.first_reply == expected
    assert data.totals.conversations == len(durations)


def test_the_demo_shows_conversations_resolved_by_ai(demo_store):
    from apps.dashboard.analytics import default_range
    from apps.dashboard.analytics.rollups import local_today
    from apps.dashboard.demo.history import HISTORY
    from apps.dashboard.demo.samples import SAMPLES, demo_conversations_ensure

    created = demo_conversations_ensure(demo_store)
    now = timezone.now()
    data = store_analytics(demo_store, default_range(local_today(demo_store, now)), now=now)

    assert created == len(SAMPLES) + len(HISTORY)
    assert data.totals.conversations == created
    # Nine past order-status questions, each answered by a lookup, quiet for days since;
    # the person request and the gift-wrapping question (no action) are not counted.
    assert data.totals.ai_resolved == 9
    assert len([row for row in data.days if row.ai_resolved]) == 9
    assert data.totals.escalated == 2  # one past, one in today's samples


def test_a_long_range_shows_weeks_and_the_csv_keeps_every_day(merchant, shop, ledger):
    end = timezone.now().date()
    start = end - timedelta(days=120)
    span = {"start": start.isoformat(), "end": end.isoformat()}

    html = merchant.get("/app/analytics/", span).content.decode()
    csv_rows = list(csv.reader(io.StringIO(merchant.get("/app/analytics/export.csv", span)
                                           .content.decode())))  # fmt: skip

    assert "Conversations per week" in html
    assert "Week by week" in html
    monday = ledger - timedelta(days=ledger.weekday())
    sunday = min(monday + timedelta(days=6), end)
    # The week of d0 holds its four conversations: all resolved by the AI; the table has
    # one row for it (and D's escalation, if d0+4 falls in the same week).
    assert f"Week of {monday:%a %-d %b %Y}: 4 resolved by ai" in html
    assert f'<tr data-week="{monday.isoformat()}/{sunday.isoformat()}">' in html
    assert "<tr data-day=" not in html
    assert len(csv_rows) == 1 + (end - start).days + 1
    assert [ledger.isoformat(), "4", "4"] == csv_rows[1 + (ledger - start).days][:3]


def test_the_tables_day_labels_read_as_djangos_date_filter():
    from django.template.defaultfilters import date as date_filter

    from apps.dashboard.analytics.results import day_label

    first = timezone.now().date() - timedelta(days=400)
    days = [first + timedelta(days=n) for n in range(400)]

    assert [day_label(day) for day in days] == [date_filter(day, "D j M") for day in days]
