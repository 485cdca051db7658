"""Analytics in headless Chromium (Debian's /usr/bin/chromium via Playwright) against a live
server: the chart, the date range, and the CSV export, opened with a session token.

App Bridge cannot load here (every request off this machine is aborted), so the pages run
on their own with the token they were opened with.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.dashboard.demo.samples import demo_conversations_ensure
from apps.dashboard.demo.tokens import mint_demo_token
from apps.integrations.commerce.demo.seed import seed_demo_store
from tests.billing.billing_shopify import subscribed
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.dashboard.conversation_shapes import abandoned, conversation, escalated
from tests.factories import StoreFactory
from tests.shopify_app.conftest import make_session_token

pytestmark = pytest.mark.browser

HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZmFuY3k"


@pytest.fixture
def offline(page):  # noqa: F811
    """Only the live server answers; App Bridge's CDN and anything else fail fast."""

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host in ("localhost", "127.0.0.1"):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    return page


@pytest.fixture
def busy_store(transactional_db):
    """A subscribed Shopify store with two weeks of conversations of every kind."""
    store = StoreFactory(domain="fancy-socks.myshopify.com", name="Fancy Socks")
    subscribed(store)
    today = timezone.now().date()
    for back in range(2, 16):
        noon = datetime.combine(today - timedelta(days=back), time(12), tzinfo=UTC)
        for n in range(2 + back % 4):
            conversation(
                store,
                started=noon + timedelta(minutes=n),
                reply_after=timedelta(seconds=3 + n),
                refund=("12.50", "USD") if n == 1 else None,
            )
        if back % 3 == 0:
            escalated(store, started=noon, intent="refund_request")
        if back % 2 == 0:
            abandoned(store, started=noon, intent="return_request")
    return store


def test_the_merchant_sees_analytics_with_a_chart_and_exports_csv(offline, live_server, busy_store):
    query = {
        "shop": busy_store.domain,
        "host": HOST,
        "id_token": make_session_token(busy_store.domain),
    }

    offline.goto(f"{live_server.url}/app/analytics/?{urlencode(query)}")

    expect(offline.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    chart = offline.get_by_role("img", name="Conversations per day")
    expect(chart).to_be_visible()
    expect(chart.locator("rect").first).to_be_visible()
    assert chart.locator("rect").count() > 14
    expect(offline.get_by_role("img", name="Actions carried out, by kind")).to_be_visible()
    expect(offline.locator("[data-metric=conversations]")).to_have_text("63")
    expect(offline.locator("[data-refund=USD]")).to_have_text("175.00 USD")
    screenshot(offline, "dashboard-analytics")
    offline.locator("table[data-table=intents]").scroll_into_view_if_needed()
    screenshot(offline, "dashboard-analytics-tables")

    # The export fetches the CSV with the session token and saves it.
    with offline.expect_download() as download_info:
        offline.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["date", "conversations", "resolved_by_ai", "escalated"]
    assert len(rows) == 31
    assert sum(int(r[1]) for r in rows[1:]) == 63

    # A narrower range: the form is an htmx request carrying the token.
    end = timezone.now().date() - timedelta(days=2)
    offline.get_by_label("From", exact=True).fill((end - timedelta(days=1)).isoformat())
    offline.get_by_label("To", exact=True).fill(end.isoformat())
    offline.get_by_role("button", name="Apply").click()
    expect(offline.locator("[data-metric=conversations]")).to_have_text("11")
    expect(offline.locator("table[data-table=days] tbody tr")).to_have_count(2)


def test_the_demo_store_shows_its_sample_conversations(
    offline, live_server, settings, transactional_db
):
    settings.DEBUG = True  # demo session tokens exist only with DEBUG on
    store = seed_demo_store()
    created = demo_conversations_ensure(store)

    offline.goto(
        f"{live_server.url}/app/analytics/?{urlencode({'id_token': mint_demo_token(store)})}"
    )

    expect(offline.get_by_role("img", name="Conversations per day")).to_be_visible()
    expect(offline.locator("[data-metric=conversations]")).to_have_text(str(created))
    expect(offline.get_by_text("No plan chosen yet")).to_have_count(0)
    screenshot(offline, "dashboard-analytics-demo")
