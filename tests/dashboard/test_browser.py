"""The dashboard in headless Chromium (Debian's /usr/bin/chromium via Playwright) against a
live server on PostgreSQL with the demo store seeded.

App Bridge cannot load here (every request off this machine is aborted), so the pages run
on their own: the dashboard script sends the session token the page was opened with.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from apps.agent.pipeline import run_turn
from apps.agent.services import action_carry_out
from apps.chat.services import message_add_customer
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Channel
from apps.conversations.services import conversation_start
from apps.dashboard.demo.samples import demo_conversations_ensure
from apps.dashboard.demo.tokens import mint_demo_token
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order
from apps.stores.models import SettingsAuditEntry, Store, StoreSettings
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.dashboard.fixtures.providers import every_provider_connectable  # noqa: F401
from tests.factories import StoreFactory
from tests.shopify_app.conftest import make_session_token

pytestmark = pytest.mark.browser


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
def demo(transactional_db, settings):
    settings.DEBUG = True  # demo session tokens exist only with DEBUG on
    return seed_demo_store()


@pytest.fixture
def demo_with_samples(demo):
    demo_conversations_ensure(demo)
    return demo


def open_demo_dashboard(page, live_server, store, path="/app/"):  # noqa: F811
    page.goto(f"{live_server.url}{path}?{urlencode({'id_token': mint_demo_token(store)})}")


def test_the_dashboard_opens_with_a_valid_session_token(offline, live_server, transactional_db):
    store = StoreFactory(domain="fancy-socks.myshopify.com", name="Fancy Socks")
    token = make_session_token(store.domain)
    query = urlencode(
        {"shop": store.domain, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZmFuY3k", "id_token": token}
    )

    offline.goto(f"{live_server.url}/app/?{query}")

    expect(offline.get_by_role("heading", name="Welcome to Aftersale")).to_be_visible()
    expect(offline.get_by_role("heading", name="Setup guide")).to_be_visible()
    expect(offline.locator("[data-step=plan]")).to_contain_text("Choose a plan")
    screenshot(offline, "dashboard-home")

    # Navigation is an htmx request carrying the token in its Authorization header.
    offline.get_by_role("navigation", name="Aftersale").get_by_role("link", name="Settings").click()
    expect(offline.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(offline.get_by_label("Agent name")).to_have_value("Ava")
    assert "id_token" not in offline.url


def test_a_policy_change_takes_effect_on_the_next_chat_reply(offline, live_server, demo):
    before = StoreSettings.objects.get(store=demo).version
    open_demo_dashboard(offline, live_server, demo, "/app/settings/")

    limit = offline.get_by_label("Refunds up to this amount are approved automatically")
    expect(limit).to_have_value("50.00")
    limit.fill("-5")
    offline.get_by_role("button", name="Save policies").click()
    expect(offline.locator("#policy-form")).to_contain_text("greater than or equal to 0")
    assert StoreSettings.objects.get(store=demo).version == before

    offline.get_by_label("Refunds up to this amount are approved automatically").fill("300")
    offline.get_by_role("button", name="Save policies").click()
    expect(offline.locator("#policy-form")).to_contain_text("Saved")
    expect(offline.locator("#audit-log")).to_contain_text("Refund auto approve limit")
    screenshot(offline, "dashboard-settings-saved")

    rules = StoreSettings.objects.get(store=demo)
    assert (rules.refund_auto_approve_limit, rules.version) == (Decimal("300.00"), before + 1)
    assert SettingsAuditEntry.objects.filter(store=demo, section="policies").count() == 1

    # The next chat reply follows the new rule: $250 is now refunded without approval.
    conversation = conversation_start(demo, Channel.WEB, customer_email="alex@example.com")
    offer = run_turn(message_add_customer(conversation, "please refund order 1011"))
    assert "$250.00" in offer.reply.text
    assert "approval" not in offer.reply.text
    done = run_turn(message_add_customer(conversation, "yes"))
    refund = AgentAction.objects.get(conversation=conversation, kind=ActionKind.REFUND)
    assert (refund.status, refund.policy_version) == (ActionStatus.EXECUTED, before + 1)
    assert "refunded $250.00" in done.reply.text


def test_the_merchant_sees_and_changes_the_stores_time_zone(offline, live_server, demo):
    Store.objects.filter(pk=demo.pk).update(platform_timezone="America/New_York")
    open_demo_dashboard(offline, live_server, demo, "/app/settings/")

    zone = offline.get_by_label("Time zone")
    expect(zone).to_have_value("UTC")
    expect(offline.locator("#time-zone-form")).to_contain_text("set to America/New_York")
    zone.select_option("Pacific/Auckland")
    offline.get_by_role("button", name="Save time zone").click()
    expect(offline.locator("#time-zone-form")).to_contain_text("Saved")
    screenshot(offline, "dashboard-settings-time-zone")

    assert Store.objects.get(pk=demo.pk).timezone == "Pacific/Auckland"
    offline.reload()
    expect(offline.get_by_label("Time zone")).to_have_value("Pacific/Auckland")


def test_the_merchant_approves_a_refund_waiting_for_approval(
    offline, live_server, demo_with_samples
):
    demo = demo_with_samples
    waiting = AgentAction.objects.get(store=demo, status=ActionStatus.AWAITING_APPROVAL)
    open_demo_dashboard(offline, live_server, demo, "/app/conversations/")

    expect(offline.locator(f"[data-conversation='{waiting.conversation_id}']")).to_contain_text(
        "1 awaiting approval"
    )
    screenshot(offline, "dashboard-inbox")
    offline.get_by_label("Needs approval").check()
    expect(offline.locator("#inbox-results tbody tr")).to_have_count(1)
    # Alex proved they own order 1011: the inbox names them from the order, not "Visitor".
    offline.get_by_role("link", name="Alex Kim").click()
    expect(offline.locator("[data-customer]")).to_contain_text("alex@example.com")
    expect(offline.locator("[data-customer]")).to_contain_text("Owns order #1011")

    card = offline.locator(f"#action-{waiting.pk}")
    expect(card).to_contain_text("Awaiting approval")
    expect(card).to_contain_text("250.00 USD")
    card.scroll_into_view_if_needed()
    screenshot(offline, "dashboard-conversation-awaiting")
    card.get_by_role("button", name="Approve").click()

    # The click only recorded the decision; the card polls while a worker carries it out.
    expect(offline.locator(f"#action-{waiting.pk}")).to_contain_text("Executing…")
    screenshot(offline, "dashboard-conversation-executing")
    action_carry_out(waiting.pk)  # the worker runs the execution task
    expect(offline.locator(f"#action-{waiting.pk}")).to_contain_text("Executed", timeout=10_000)
    offline.locator(f"#action-{waiting.pk}").scroll_into_view_if_needed()
    expect(offline.locator(".bubble-assistant").last).to_contain_text(re.compile("refund", re.I))
    screenshot(offline, "dashboard-conversation-approved")
    waiting.refresh_from_db()
    assert waiting.status == ActionStatus.EXECUTED
    assert waiting.approved_by == "demo-merchant"
    order = Order.objects.get(store=demo, number=1011)
    assert [r["amount"] for r in order.refunds] == ["250.00"]


def test_an_faq_answer_with_a_script_is_shown_as_text_and_never_runs(offline, live_server, demo):
    hostile = '<img src=x onerror="document.body.dataset.owned=1"><script>window.owned=1</script>'
    open_demo_dashboard(offline, live_server, demo, "/app/settings/knowledge/")

    faq = offline.get_by_role("form", name="Add an FAQ entry")
    faq.get_by_label("Question").fill("Do you ship to Mars?")
    faq.get_by_role("button", name="Add entry").click()
    expect(offline.locator("#faq-section")).to_contain_text("This field is required")

    faq = offline.get_by_role("form", name="Add an FAQ entry")
    faq.get_by_label("Question").fill("Do you ship to Mars?")
    faq.get_by_label("Answer").fill(hostile)
    faq.get_by_role("button", name="Add entry").click()

    entry = offline.locator(".faq-entry", has_text="Do you ship to Mars?")
    expect(entry).to_contain_text("<script>window.owned=1</script>")
    assert offline.evaluate("window.owned === undefined && !document.body.dataset.owned")

    offline.get_by_label("Customer question").fill("can you ship it to mars")
    offline.get_by_role("button", name="Preview answer").click()
    expect(offline.locator("#preview-results [data-verdict=answers]")).to_contain_text(
        "Do you ship to Mars?"
    )
    screenshot(offline, "dashboard-knowledge")

    offline.once("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="Delete").click()
    expect(offline.locator(".faq-entry", has_text="Do you ship to Mars?")).to_have_count(0)


@pytest.mark.usefixtures("every_provider_connectable")
def test_connecting_an_integration_tests_it_with_the_provider(
    offline, live_server, demo, eager_tasks, respx_mock
):
    respx_mock.get("https://api.stripe.com/v1/balance").mock(
        return_value=httpx.Response(
            401,
            json={
                "error": {
                    "message": "Invalid API Key provided: sk_test_****abcd",
                    "type": "invalid_request_error",
                }
            },
        )
    )
    open_demo_dashboard(offline, live_server, demo, "/app/integrations/")
    card = offline.locator("#integration-stripe")
    expect(card).to_contain_text("Not connected")

    card.get_by_role("button", name="Connect").click()
    card.get_by_label("Secret or restricted key").fill("pk_live_wrong")
    card.get_by_role("button", name="Save and test").click()
    expect(card).to_contain_text("Stripe keys start with sk_ or rk_")

    card.get_by_label("Secret or restricted key").fill("sk_test_4eC39HqLyjWDarjtT1zdp7dcabcd")
    card.get_by_role("button", name="Save and test").click()
    expect(card).to_contain_text("Failing")
    expect(card).to_contain_text("Stripe refused these credentials: Invalid API Key provided")
    expect(card).to_contain_text("ends in …abcd")
    assert "sk_test_4eC39HqLyjWDarjtT1zdp7dcabcd" not in offline.content()
    screenshot(offline, "dashboard-integrations")


def test_an_action_with_a_rejected_session_shows_the_expired_banner_and_changes_nothing(
    offline, live_server, demo_with_samples
):
    demo = demo_with_samples
    waiting = AgentAction.objects.get(store=demo, status=ActionStatus.AWAITING_APPROVAL)
    open_demo_dashboard(
        offline, live_server, demo, f"/app/conversations/{waiting.conversation_id}/"
    )

    def forged(route):
        route.continue_(headers={**route.request.headers, "authorization": "Bearer forged"})

    offline.route("**/app/actions/**", forged)
    offline.locator(f"#action-{waiting.pk}").get_by_role("button", name="Approve").click()

    expect(offline.get_by_role("alert").filter(has_text="Your session has expired")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == ActionStatus.AWAITING_APPROVAL
    assert Order.objects.get(store=demo, number=1011).refunds == []
