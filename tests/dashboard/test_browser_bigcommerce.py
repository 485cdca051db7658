"""A BigCommerce merchant's dashboard in headless Chromium: opened by the control panel's
load callback, navigated with the store-session token in the Authorization header, kept
open past the token's life by the renewals the server sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from playwright.sync_api import expect

from tests.bigcommerce_app.conftest import CLIENT_ID, CLIENT_SECRET, HASH, signed_payload
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.dashboard.test_browser import offline  # noqa: F401
from tests.integrations.bigcommerce.contract_world import bigcommerce_store

pytestmark = pytest.mark.browser


@override_settings(BIGCOMMERCE_CLIENT_ID=CLIENT_ID, BIGCOMMERCE_CLIENT_SECRET=CLIENT_SECRET)
def test_the_control_panel_opens_the_dashboard_and_the_session_outlives_its_token(
    offline,  # noqa: F811
    live_server,
    transactional_db,
):
    bigcommerce_store(HASH, "bc_token")
    start = datetime.now(tz=UTC)
    with time_machine.travel(start, tick=True):
        offline.goto(f"{live_server.url}/bigcommerce/load?signed_payload_jwt={signed_payload()}")

        expect(offline.get_by_role("heading", name="Welcome to Aftersale")).to_be_visible()
        expect(offline.locator("[data-step=widget]")).to_contain_text("added the chat")
        screenshot(offline, "bigcommerce-dashboard-home")

    nav = offline.get_by_role("navigation", name="Aftersale")
    # Late in the token's life: the answer carries its successor, which the page keeps.
    with time_machine.travel(start + timedelta(minutes=10), tick=True):
        nav.get_by_role("link", name="Settings").click()
        expect(offline.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    # The first token has expired; the page goes on with the renewed one.
    with time_machine.travel(start + timedelta(minutes=20), tick=True):
        nav.get_by_role("link", name="Billing").click()
        expect(offline.get_by_text("Free during the beta")).to_be_visible()
        expect(offline.locator("#session-banner")).to_be_hidden()
    # Long after, with no request to renew it: the page says to open the app again.
    with time_machine.travel(start + timedelta(hours=2), tick=True):
        nav.get_by_role("link", name="Settings").click()
        expect(offline.locator("#session-banner")).to_be_visible()
        expect(offline.locator("#session-banner")).to_contain_text("BigCommerce control panel")
        screenshot(offline, "bigcommerce-session-ended")
