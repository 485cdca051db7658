"""The whole merchant loop on the demo, in two browser pages: the shopper's storefront
widget and the merchant's dashboard, against one live server with the agent answering
inline (as `make demo` runs it).

Shopper asks for a refund above the auto-approve limit -> merchant sees the badge, opens
the conversation, sees the verified customer, approves -> shopper sees the outcome ->
shopper asks for a person -> merchant takes over, replies, hands back -> the AI answers
the next question. Each step is screenshotted into artifacts/screenshots/merchant-loop-*.
"""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from apps.conversations.models import ActionStatus, AgentAction, Conversation, ConversationStatus
from apps.dashboard.demo.tokens import mint_demo_token
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.orders.models import Order
from config.celery import app as celery_app
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True  # demo session tokens exist only with DEBUG on
    return seed_demo_store()


@pytest.fixture
def eager_agent():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _offline(page):
    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host in ("localhost", "127.0.0.1"):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)


def _shopper_says(shop, text):
    box = shop.get_by_label("Message to Ava")
    box.fill(text)
    box.press("Enter")


def _shopper_looks(shop):
    """What the widget does when the tab comes back into view: poll now."""
    shop.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_the_whole_merchant_loop(page, chromium, live_server, demo, eager_agent):
    shop = page
    _offline(shop)
    shop.set_viewport_size({"width": 420, "height": 760})
    shop.goto(live_server.url + "/demo/")
    expect(shop.locator(".asc-root[data-ready]")).to_be_attached()
    shop.get_by_role("button", name=re.compile("^Open chat")).click()

    # 1. The shopper asks for a refund above the auto-approve limit (50 USD).
    _shopper_says(shop, "please refund order 1011, my email is alex@example.com")
    expect(shop.locator(".asc-msg--assistant").last).to_contain_text("$250.00")
    _shopper_says(shop, "yes")
    expect(shop.locator(".asc-msg--assistant")).to_have_count(3)  # greeting, offer, answer
    expect(shop.locator(".asc-msg--assistant").last).to_contain_text(re.compile("approv", re.I))
    screenshot(shop, "merchant-loop-1-shopper-asks-refund")
    conversation = Conversation.objects.get(store=demo)
    waiting = AgentAction.objects.get(conversation=conversation, status="awaiting_approval")

    # 2. The merchant sees the badge, opens the conversation, sees who the customer is.
    merchant_context = chromium.new_context(viewport={"width": 1280, "height": 860})
    merchant = merchant_context.new_page()
    errors: list[str] = []
    merchant.on("pageerror", lambda exc: errors.append(str(exc)))
    _offline(merchant)
    token = urlencode({"id_token": mint_demo_token(demo)})
    merchant.goto(f"{live_server.url}/app/conversations/?{token}")
    row = merchant.locator(f"[data-conversation='{conversation.pk}']")
    expect(row).to_contain_text("1 awaiting approval")
    expect(row).to_contain_text("Alex Kim")
    screenshot(merchant, "merchant-loop-2-inbox-badge")
    row.get_by_role("link", name="Alex Kim").click()
    customer = merchant.locator("[data-customer]")
    expect(customer).to_contain_text("alex@example.com")
    expect(customer).to_contain_text("Owns order #1011")
    screenshot(merchant, "merchant-loop-3-verified-customer")

    # 3. Approve: the refund happens once and the shopper is told.
    merchant.locator(f"#action-{waiting.pk}").get_by_role("button", name="Approve").click()
    expect(merchant.locator(f"#action-{waiting.pk}")).to_contain_text("Executed")
    screenshot(merchant, "merchant-loop-4-approved")
    _shopper_looks(shop)
    expect(shop.locator(".asc-msg--assistant").last).to_contain_text(re.compile("refund", re.I))
    screenshot(shop, "merchant-loop-5-shopper-sees-outcome")
    assert [r["amount"] for r in Order.objects.get(store=demo, number=1011).refunds] == ["250.00"]

    # 4. The shopper asks for a person.
    shop.get_by_role("button", name="Talk to a person").click()
    expect(shop.locator(".asc-team")).to_be_visible()
    screenshot(shop, "merchant-loop-6-shopper-asks-person")

    # 5. The merchant takes over (the composer gets the focus), replies with Enter.
    merchant.reload()
    expect(merchant.locator("[data-status]").first).to_have_attribute("data-status", "escalated")
    expect(merchant.get_by_role("button", name="Hand back to Aftersale")).to_have_count(0)
    merchant.get_by_role("button", name="Take over").click()
    box = merchant.get_by_label("Message", exact=True)
    expect(box).to_be_focused()
    merchant.get_by_label("Signed").fill("Sam from Northwind")
    box.focus()
    merchant.keyboard.type("Hi Alex, Sam here.")
    merchant.keyboard.press("Shift+Enter")
    merchant.keyboard.type("Your refund is on its way; anything else?")
    screenshot(merchant, "merchant-loop-7-composer")
    merchant.keyboard.press("Enter")
    expect(merchant.locator(".bubble-human_agent").last).to_contain_text("Sam from Northwind")
    expect(box).to_have_value("")
    screenshot(merchant, "merchant-loop-8-replied")

    _shopper_looks(shop)
    reply = shop.locator(".asc-msg--human_agent").last
    expect(reply).to_contain_text("Sam from Northwind")
    expect(reply).to_contain_text("Hi Alex, Sam here.\nYour refund is on its way")
    screenshot(shop, "merchant-loop-9-shopper-sees-reply")

    # The shopper answers; the merchant's open page shows it without a reload (polled).
    _shopper_says(shop, "No, that's all, thank you!")
    expect(merchant.locator(".bubble-customer").last).to_contain_text("that's all, thank you")
    expect(merchant.get_by_label("Message", exact=True)).to_be_visible()

    # 6. Hand back: the AI answers the next question.
    merchant.get_by_role("button", name="Hand back to Aftersale").click()
    expect(merchant.locator("[data-status]").first).to_have_attribute("data-status", "ai_handling")
    screenshot(merchant, "merchant-loop-10-handed-back")
    _shopper_says(shop, "what is your return policy?")
    expect(shop.locator(".asc-msg--assistant").last).to_contain_text(re.compile("return", re.I))
    screenshot(shop, "merchant-loop-11-ai-answers-again")

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.AI_HANDLING
    assert AgentAction.objects.get(pk=waiting.pk).status == ActionStatus.EXECUTED
    merchant_context.close()
    assert errors == [], f"JavaScript errors in the dashboard: {errors}"


def test_the_composer_keeps_drafts_inserts_saved_answers_and_adds_notes(
    page, live_server, demo, eager_agent
):
    from apps.chat.services import message_add_customer
    from apps.conversations.services import conversation_start
    from apps.dashboard.models import InternalNote

    conversation = conversation_start(demo, "web")
    message_add_customer(conversation, "Do you offer gift wrapping?")
    _offline(page)
    page.goto(f"{live_server.url}/app/conversations/{conversation.pk}/")  # no token: demo mints

    box = page.get_by_label("Message", exact=True)
    box.fill("Half-written answer")
    page.reload()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Half-written answer")

    box = page.get_by_label("Message", exact=True)
    box.fill("")
    page.get_by_label("Insert a saved answer").select_option(index=1)
    expect(box).not_to_have_value("")
    inserted = box.input_value()
    assert inserted  # the FAQ answer, ready to edit
    screenshot(page, "merchant-composer-saved-answer")

    page.get_by_label("Internal note").check()
    box.fill("Customer is a repeat buyer")
    box.press("Enter")
    expect(page.locator(".bubble-note")).to_contain_text("Customer is a repeat buyer")
    expect(page.get_by_label("Message", exact=True)).to_have_value("")
    page.reload()
    expect(page.get_by_label("Message", exact=True)).to_have_value("")  # sent: draft gone
    assert InternalNote.objects.get(conversation=conversation).text == "Customer is a repeat buyer"
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.HUMAN_HANDLING  # a note takes nothing over
    screenshot(page, "merchant-composer-note")
