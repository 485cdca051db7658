"""The strict Content-Security-Policy in Chromium: our pages work under it, and an inline
script without the page's nonce does not run."""

# ruff: noqa: F811
from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from apps.dashboard.demo.samples import demo_conversations_ensure
from apps.dashboard.demo.tokens import mint_demo_token
from apps.integrations.commerce.demo.seed import seed_demo_store
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser

# Recorded before any page script runs (init scripts are not subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def watched(page):
    """Only the live server answers (App Bridge's CDN fails fast); violations are recorded."""

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host in ("localhost", "127.0.0.1"):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True
    store = seed_demo_store()
    demo_conversations_ensure(store)
    return store


def test_every_dashboard_page_works_under_the_policy(watched, live_server, demo):
    query = urlencode({"id_token": mint_demo_token(demo)})
    watched.goto(f"{live_server.url}/app/?{query}")
    expect(watched.get_by_role("heading", name="Setup guide")).to_be_visible()

    nav = watched.get_by_role("navigation", name="Aftersale")
    for label, heading in [
        ("Conversations", "Conversations"),
        ("Settings", "Settings"),
        ("Integrations", "Integrations"),
        ("Analytics", "Analytics"),
        ("Billing", "Plan and billing"),
    ]:
        nav.get_by_role("link", name=label).click()
        expect(watched.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert violations(watched) == [], label
    screenshot(watched, "csp-dashboard")


def test_an_injected_inline_script_does_not_run_on_the_dashboard(watched, live_server, demo):
    watched.goto(f"{live_server.url}/app/?{urlencode({'id_token': mint_demo_token(demo)})}")
    expect(watched.get_by_role("heading", name="Setup guide")).to_be_visible()

    ran = watched.evaluate(
        """() => {
          window.__injected = false;
          const s = document.createElement('script');
          s.textContent = 'window.__injected = true';
          document.body.appendChild(s);
          return window.__injected;
        }"""
    )

    assert ran is False
    assert any(v.startswith("script-src") for v in violations(watched))


def test_the_demo_storefront_and_its_chat_work_under_the_policy(watched, live_server, demo):
    watched.goto(f"{live_server.url}/demo/")
    expect(watched.locator(".asc-root[data-ready]")).to_be_attached()
    watched.get_by_role("button", name=re.compile("^Open chat")).click()
    expect(watched.get_by_role("dialog")).to_be_visible()

    assert violations(watched) == []
    screenshot(watched, "csp-demo-storefront")
