"""The integrations page in Chromium: connecting Gorgias with its OAuth. The consent page
and the token endpoint are a stand-in served by the live server (a test-only URLConf); the
account's API is the Gorgias stand-in over real HTTP."""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from apps.dashboard.demo.tokens import mint_demo_token
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.stores.models import IntegrationCredential, IntegrationStatus
from config.celery import app as celery_app
from standins.helpdesk.fake_gorgias import FakeGorgias
from standins.helpdesk.server import HelpdeskServer
from tests.billing.billing_shopify import subscribed
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.helpdesk import oauth_urls

pytestmark = pytest.mark.browser


@pytest.fixture
def gorgias() -> Iterator[FakeGorgias]:
    fake = FakeGorgias("northwind", bot_id="7001", agent_id="7002", secret="unused")
    with HelpdeskServer({"gorgias": fake}) as server:
        oauth_urls.FAKES["gorgias"] = fake
        fake.api_bases = server.api_bases()  # type: ignore[attr-defined]
        yield fake
    oauth_urls.FAKES.clear()


@pytest.fixture
def eager() -> Iterator[None]:
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_connecting_gorgias_with_oauth_from_the_integrations_page(
    page, live_server, transactional_db, settings, gorgias, eager
):
    settings.DEBUG = True  # the demo session token
    settings.ROOT_URLCONF = "tests.helpdesk.oauth_urls"
    settings.APP_URL = live_server.url
    settings.HELPDESK_APPS = {
        **settings.HELPDESK_APPS,
        "gorgias": {"client_id": "aftersale-app", "client_secret": "s3cret", "webhook_secret": ""},
    }
    settings.HELPDESK_OAUTH_URLS = {"gorgias": f"{live_server.url}/test-oauth/gorgias"}
    settings.HELPDESK_API_BASES = dict([gorgias.api_bases.split("=", 1)])
    store = seed_demo_store()
    subscribed(store, plan_key="growth")

    def local_only(route):  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            route.abort()

    page.context.route("**/*", local_only)
    page.goto(
        f"{live_server.url}/app/integrations/?{urlencode({'id_token': mint_demo_token(store)})}"
    )
    card = page.locator("#integration-gorgias")
    card.get_by_label("Gorgias subdomain").fill("northwind")
    card.get_by_role("button", name="Connect with Gorgias").click()
    go = card.get_by_role("link", name="Continue to Gorgias")
    expect(go).to_be_visible()
    screenshot(page, "helpdesk-oauth-continue")

    with page.context.expect_page() as opened:
        go.click()
    consent = opened.value
    expect(consent.get_by_role("heading")).to_contain_text("Allow Aftersale to use your gorgias")
    expect(consent.get_by_text("client aftersale-app")).to_be_visible()
    consent.get_by_role("link", name="Allow").click()
    expect(consent.get_by_role("heading")).to_have_text("Gorgias authorised")
    consent.close()

    expect(card).to_have_attribute("data-status", "connected", timeout=15_000)
    expect(card).to_contain_text("bot@merchant.test on northwind.gorgias.com (OAuth)")
    expect(card).to_contain_text("registered")
    screenshot(page, "helpdesk-oauth-connected")

    row = IntegrationCredential.objects.get(store=store, provider="gorgias")
    assert row.status == IntegrationStatus.CONNECTED
    assert row.revealed_config()["access_token"] == gorgias.oauth_token
    [hook] = gorgias.webhooks.values()
    assert hook["http"]["url"].startswith(f"{live_server.url}/webhooks/helpdesk/gorgias/{row.pk}.")
