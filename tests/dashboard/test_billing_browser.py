"""Choosing a plan in headless Chromium: the whole window goes to Shopify's approval page
(not the app's frame), and the return URL shows the plan active.

Shopify's GraphQL API is answered by respx inside the live server's process; the approval
page itself is answered by the browser's own request routing.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from apps.billing.models import AppSubscription, SubscriptionStatus
from standins.shopify.simulator import ShopSimulator
from tests.billing.billing_shopify import (
    CHARGE_ID,
    active_subscriptions,
    confirmation_url,
    mocked_shopify,
    shop_plan,
    subscription_created,
    subscription_node,
)
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.factories import StoreFactory
from tests.shopify_app.conftest import make_session_token

pytestmark = pytest.mark.browser

SHOP = "fancy-socks.myshopify.com"
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZmFuY3k"


@pytest.fixture
def shopify() -> Iterator[ShopSimulator]:
    yield from mocked_shopify()


@pytest.fixture
def browser_page(page):  # noqa: F811
    """The live server answers; the shop's admin serves a stand-in approval page; nothing
    else is reachable (App Bridge's CDN included)."""

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host in ("localhost", "127.0.0.1"):
            request_route.continue_()
        elif host == SHOP:
            request_route.fulfill(
                status=200,
                content_type="text/html",
                body="<h1>Approve Aftersale Growth</h1>",
            )
        else:
            request_route.abort()

    page.route("**/*", route)
    return page


def _open(page, live_server, path: str, **params: str) -> None:  # noqa: F811
    query = {"shop": SHOP, "host": HOST, "id_token": make_session_token(SHOP), **params}
    page.goto(f"{live_server.url}{path}?{urlencode(query)}")


def test_choosing_a_plan_sends_the_window_to_shopify_and_back(
    browser_page, live_server, transactional_db, shopify, settings
):
    settings.SHOPIFY_BILLING_TEST = False
    store = StoreFactory(domain=SHOP, name="Fancy Socks")
    shopify.on("AftersaleShopPlan", shop_plan(development=True))
    shopify.on("AftersaleSubscriptionCreate", subscription_created(SHOP))

    _open(browser_page, live_server, "/app/billing/")
    expect(browser_page.get_by_text("Choose a plan to start")).to_be_visible()
    screenshot(browser_page, "dashboard-billing-plans")
    browser_page.locator("[data-plan=growth]").get_by_role(
        "button", name="Start free trial"
    ).click()

    expect(browser_page.get_by_role("heading", name="Approve Aftersale Growth")).to_be_visible()
    assert browser_page.url == confirmation_url(SHOP)
    subscription = AppSubscription.objects.get(store=store)
    assert (subscription.status, subscription.test) == (SubscriptionStatus.PENDING, True)

    # Shopify sends the merchant back into the admin, which loads the return URL.
    shopify.on(
        "AftersaleActiveSubscriptions",
        active_subscriptions(subscription_node(status="ACTIVE", period_end="2026-12-27T00:00:00Z")),
    )
    _open(browser_page, live_server, "/app/billing/confirm", charge_id=CHARGE_ID)

    expect(browser_page.get_by_text("Your plan is active. Thank you!")).to_be_visible()
    expect(browser_page.locator("[data-plan=growth]")).to_contain_text("Your plan")
    expect(browser_page.locator("[data-usage]")).to_contain_text("0.00 USD of 500.00 USD")
    screenshot(browser_page, "dashboard-billing-active")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
