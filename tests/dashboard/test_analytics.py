"""The analytics page and its CSV: exact numbers from the database, per day and per intent,
for the verified store only, with a validated date range."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.conversations.models import ActionStatus, AgentAction, ConversationStatus
from apps.dashboard.analytics import DateRange, store_analytics
from apps.dashboard.views.analytics import safe_cell
from tests.billing.billing_shopify import subscribed
from tests.dashboard.conftest import MerchantClient
from tests.dashboard.conversation_shapes import abandoned, conversation, escalated, human_finished
from tests.shopify_app.conftest import make_session_token

pytestmark = pytest.mark.django_db


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture
def days() -> tuple[date, date, date]:
    today = timezone.now().date()
    return today - timedelta(days=5), today - timedelta(days=4), today - timedelta(days=3)


@pytest.fixture
def week(shop, other_shop, days):
    """Seven conversations over three days (see each line), and another store's noise."""
    d0, d1, d2 = days
    s = timedelta(seconds=1)
    conversation(shop, started=_noon(d0), reply_after=10 * s)  # resolved
    escalated(shop, started=_noon(d0), intent="refund_request", reply_after=30 * s)
    conversation(  # resolved with a refund
        shop,
        started=_noon(d0),
        intent="refund_request",
        reply_after=20 * s,
        refund=("20.00", "USD"),
    )
    human_finished(shop, started=_noon(d1), intent="complaint", reply_after=60 * s)
    abandoned(shop, started=_noon(d1), reply_after=4 * s)
    conversation(  # resolved with a refund in euros
        shop, started=_noon(d1), intent="refund_request", reply_after=6 * s, refund=("15.50", "EUR")
    )
    conversation(shop, started=_noon(d2), intent="", reply_after=None)  # never answered
    for _ in range(3):
        conversation(other_shop, started=_noon(d0), refund=("999.00", "USD"))
    return days


def _page(merchant: MerchantClient, **params: str):
    return merchant.get("/app/analytics/", params)


# ---------------------------------------------------------------- the numbers


def test_the_numbers_per_day_per_intent_and_in_total(shop, week):
    d0, d1, d2 = week
    span = DateRange(d0 - timedelta(days=1), d2)

    data = store_analytics(shop, span, now=timezone.now())

    totals = data.totals
    assert (totals.conversations, totals.ai_resolved, totals.escalated) == (7, 3, 1)
    assert totals.automation_rate == pytest.approx(3 / 7)
    assert totals.median_first_reply == timedelta(seconds=15)
    rows = {row.day: row for row in data.days}
    assert [row.day for row in data.days] == [d0 - timedelta(days=1), d0, d1, d2]
    empty = rows[d0 - timedelta(days=1)]
    assert (empty.conversations, empty.automation_rate, empty.median_first_reply) == (0, None, None)
    day0, day1, day2 = rows[d0], rows[d1], rows[d2]
    assert (day0.conversations, day0.ai_resolved, day0.escalated) == (3, 2, 1)
    assert day0.median_first_reply == timedelta(seconds=20)
    assert (day0.actions_executed, day0.refunds_count, day0.refunds) == (
        5,
        1,
        {"USD": Decimal("20.00")},
    )
    assert (day1.conversations, day1.ai_resolved, day1.escalated) == (3, 1, 0)
    assert day1.median_first_reply == timedelta(seconds=6)
    assert (day1.actions_executed, day1.refunds) == (3, {"EUR": Decimal("15.50")})
    assert (day2.conversations, day2.ai_resolved, day2.median_first_reply) == (1, 0, None)
    assert day2.actions_executed == 1

    intents = {row.intent: row for row in data.intents}
    assert list(intents) == ["refund_request", "order_status", "complaint", "unclassified"]
    refund = intents["refund_request"]
    assert (refund.conversations, refund.ai_resolved, refund.escalated) == (3, 2, 1)
    assert refund.median_first_reply == timedelta(seconds=20)
    assert intents["order_status"].median_first_reply == timedelta(seconds=7)
    assert intents["complaint"].first_reply_text == "1 min"
    assert intents["unclassified"].median_first_reply is None

    assert [(a.kind, a.count) for a in data.actions] == [
        ("lookup_order", 6),
        ("refund", 2),
        ("escalate", 1),
    ]
    assert [(r.currency, r.amount, r.count) for r in data.refunds] == [
        ("EUR", Decimal("15.50"), 1),
        ("USD", Decimal("20.00"), 1),
    ]


def test_actions_not_carried_out_are_not_counted(shop, days):
    d0 = days[0]
    convo = conversation(shop, started=_noon(d0), executed=())
    for status in (ActionStatus.PROPOSED, ActionStatus.FAILED, ActionStatus.REJECTED):
        AgentAction.objects.create(
            store=shop,
            conversation=convo,
            kind="refund",
            status=status,
            idempotency_key=f"not-done-{status}",
            amount="10.00",
            currency="USD",
        )

    data = store_analytics(shop, DateRange(d0, d0), now=timezone.now())

    assert data.actions == []
    assert data.refunds == []


def test_a_store_with_nothing_shows_no_data_and_zeros(merchant):
    response = _page(merchant)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-empty="analytics"' in html
    assert "No data for these days" in html
    assert "<svg" not in html

    export = merchant.get("/app/analytics/export.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert len(rows) == 31  # header + the default 30 days
    assert {tuple(row[1:]) for row in rows[1:]} == {("0", "0", "0", "", "", "0", "0")}


# ---------------------------------------------------------------- the page


def test_the_page_shows_the_charts_metrics_and_tables(merchant, shop, week):
    d0, d1, _ = week
    subscribed(shop)

    response = _page(merchant)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="metric" data-metric="conversations">7</p>' in html
    assert '<p class="metric" data-metric="ai_resolved">3</p>' in html
    assert '<span data-metric="automation_rate">43%</span>' in html
    assert '<p class="metric" data-metric="first_reply">15 s</p>' in html
    assert '<span data-refund="USD">20.00 USD</span>' in html
    assert '<span data-refund="EUR">15.50 EUR</span>' in html
    # Charts: labelled SVG images, each bar with its exact figures.
    assert html.count('role="img"') == 2
    assert "<title id=" in html
    assert "<desc id=" in html
    assert f"{d0:%a %-d %b %Y}: 2 resolved by ai" in html
    assert f"{d0:%a %-d %b %Y}: 1 escalated" in html
    assert "Look up order: 6" in html
    # The per-day table is the charts' text alternative.
    assert f'<tr data-day="{d1.isoformat()}">' in html
    assert 'data-table="intents"' in html
    assert "No plan chosen yet" not in html
    assert 'hx-boost="false" data-download=' in html


def test_the_page_asks_for_a_plan_when_there_is_none(merchant):
    html = _page(merchant).content.decode()

    assert "No plan chosen yet" in html
    assert 'href="/app/billing/' in html


def test_merchant_text_in_charts_is_escaped(merchant, shop, days):
    convo = conversation(shop, started=_noon(days[0]), executed=())
    AgentAction.objects.create(
        store=shop,
        conversation=convo,
        kind="<script>alert(1)</script>",
        status=ActionStatus.EXECUTED,
        idempotency_key="hostile-kind",
        executed_at=_noon(days[0]),
    )

    html = _page(merchant).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_another_stores_token_sees_only_its_own_numbers(other_shop, week):
    html = _page(MerchantClient(other_shop)).content.decode()

    assert '<p class="metric" data-metric="conversations">3</p>' in html
    assert '<span data-refund="USD">2,997.00 USD</span>' in html
    assert "EUR" not in html


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, "wrong_secret"],
    ids=["no_token", "garbage_token", "wrong_secret"],
)
@pytest.mark.parametrize("path", ["/app/analytics/", "/app/analytics/export.csv"])
def test_analytics_needs_a_valid_session_token(shop, week, path, headers):
    if headers == "wrong_secret":
        forged = make_session_token(shop.domain, secret="shpss_" + "e" * 32)
        headers = {"Authorization": f"Bearer {forged}"}

    response = Client().get(path, headers=headers)

    assert response.status_code == 401
    assert b"refund_request" not in response.content
    assert b"20.00" not in response.content


# ---------------------------------------------------------------- the date range


def test_the_range_defaults_to_the_last_30_days(merchant):
    html = _page(merchant).content.decode()
    today = timezone.now().date()

    assert f'value="{today.isoformat()}"' in html
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-45"}, "Enter a valid date."),
        ({"start": "not a date"}, "Enter a valid date."),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "must be on or before the end date"),
        ({"start": "2024-01-01", "end": "2025-06-01"}, "Choose at most 366 days."),
        ({"end": "2999-01-01"}, "cannot be in the future"),
    ],
    ids=["impossible_date", "text", "reversed", "too_long", "future"],
)
def test_a_bad_range_is_a_form_error(merchant, params, message):
    response = _page(merchant, **params)
    export = merchant.get("/app/analytics/export.csv", params)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert "<svg" not in response.content.decode()
    assert export.status_code == 400
    assert message in export.content.decode()


def test_a_full_year_is_allowed(merchant):
    end = timezone.now().date()
    response = _page(merchant, start=(end - timedelta(days=365)).isoformat(), end=end.isoformat())
    assert response.status_code == 200


def test_the_query_count_does_not_grow_with_the_rows_shown(merchant, shop, days):
    for n in range(60):
        conversation(shop, started=timezone.now() - timedelta(days=n % 50, hours=1))
    end = timezone.now().date()

    def queries(length: int) -> int:
        start = (end - timedelta(days=length - 1)).isoformat()
        with CaptureQueriesContext(connection) as captured:
            assert _page(merchant, start=start, end=end.isoformat()).status_code == 200
        return len(captured.captured_queries)

    assert queries(10) == queries(50)


# ---------------------------------------------------------------- CSV


def test_the_csv_has_one_row_per_day(merchant, shop, week):
    d0, d1, d2 = week

    response = merchant.get(
        "/app/analytics/export.csv", {"start": d0.isoformat(), "end": d2.isoformat()}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="aftersale-analytics-{d0.isoformat()}-{d2.isoformat()}.csv"'
    )
    assert response.content.decode().splitlines() == [
        "date,conversations,resolved_by_ai,escalated,automation_rate,"
        "median_first_reply_seconds,actions_executed,refunds,refunded_EUR,refunded_USD",
        f"{d0.isoformat()},3,2,1,0.6667,20.0,5,1,0.00,20.00",
        f"{d1.isoformat()},3,1,0,0.3333,6.0,3,1,15.50,0.00",
        f"{d2.isoformat()},1,0,0,0.0000,,1,0,0.00,0.00",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("2026-03-01", "2026-03-01"),
        ("0.5000", "0.5000"),
        (None, ""),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_csv_quotes_what_needs_quoting(shop, days):
    convo = conversation(shop, started=_noon(days[0]), executed=())
    AgentAction.objects.create(
        store=shop,
        conversation=convo,
        kind="refund",
        status=ActionStatus.EXECUTED,
        idempotency_key="odd-currency",
        amount="5.00",
        currency='"=,',
        executed_at=_noon(days[0]),
    )
    from apps.dashboard.views.analytics import csv_rows

    data = store_analytics(shop, DateRange(days[0], days[0]), now=timezone.now())
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(data))

    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed[0][-1] == 'refunded_"=,'
    assert parsed[1][-1] == "5.00"


def test_a_resolved_conversation_counts_from_the_moment_it_is_marked(shop):
    today = timezone.now().date()
    conversation(
        shop, started=timezone.now() - timedelta(hours=1), status=ConversationStatus.RESOLVED
    )
    conversation(shop, started=timezone.now() - timedelta(hours=1))  # still within 24 h

    data = store_analytics(shop, DateRange(today, today), now=timezone.now())

    assert (data.totals.conversations, data.totals.ai_resolved) == (2, 1)


def test_a_reply_before_the_customer_wrote_is_left_out_of_the_medians(shop, days):
    from apps.conversations.models import Message

    early = conversation(shop, started=_noon(days[0]), reply_after=timedelta(seconds=8))
    odd = conversation(shop, started=_noon(days[0]), reply_after=timedelta(seconds=30))
    Message.objects.filter(conversation=odd, role="assistant").update(
        created_at=_noon(days[0]) - timedelta(minutes=5)
    )

    data = store_analytics(shop, DateRange(days[0], days[0]), now=timezone.now())

    assert early.pk != odd.pk
    assert data.totals.median_first_reply == timedelta(seconds=8)
