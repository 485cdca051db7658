"""The storefront widget in headless Chromium against a live server and the seeded demo store.

The agent answers for real: tasks run inline in the live server (eager), except in the
typing test, which runs the queued task itself so the in-between state can be seen, and in
test_widget_worker.py, which goes through a real Celery worker.
"""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.agent.tasks import handle_message
from apps.conversations.models import Conversation, Message, MessageRole
from apps.integrations.commerce.demo import seed_demo_store
from config.celery import app as celery_app
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser

ASK_ORDER = re.compile(r"order number", re.I)


@pytest.fixture
def demo_store(transactional_db):
    return seed_demo_store()


@pytest.fixture
def eager_agent():
    """Run handle_message inside the live server's request (on commit), like `make demo`."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def open_demo(page, live_server, path="/demo/"):
    page.goto(live_server.url + path)
    expect(page.locator(".asc-root[data-ready]")).to_be_attached()


def open_chat(page):
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    expect(page.get_by_role("dialog", name="Ava")).to_be_visible()


def send(page, text):
    box = page.get_by_label("Message to Ava")
    box.fill(text)
    box.press("Enter")


def last_reply(page):
    return page.locator(".asc-msg--assistant").last


def test_a_shopper_asks_where_their_order_is(page, live_server, demo_store, eager_agent):
    open_demo(page, live_server)
    open_chat(page)
    expect(page.locator(".asc-msg--assistant").first).to_contain_text(demo_store.settings.greeting)

    send(page, "where is my order")
    expect(page.locator(".asc-msg--customer", has_text="where is my order")).to_be_visible()
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    screenshot(page, "widget-asks-for-order-number")

    send(page, "#1001 jane@example.com")
    expect(last_reply(page)).to_contain_text("in transit")
    expect(last_reply(page)).to_contain_text("1Z999AA10123456784")
    link = last_reply(page).get_by_role("link", name=re.compile("ups.com"))
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.ups\.com/track\?"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    screenshot(page, "widget-order-status")

    conversation = Conversation.objects.get(store=demo_store)
    assert list(conversation.messages.values_list("role", flat=True)) == [
        "customer",
        "assistant",
        "customer",
        "assistant",
    ]


def test_keyboard_only(page, live_server, demo_store, eager_agent):
    open_demo(page, live_server)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('asc-launcher')"):
            break
    else:
        pytest.fail("the chat launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "asc-input"
    launcher = page.locator(".asc-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "true")

    page.keyboard.type("where is my order")
    page.keyboard.press("Enter")
    expect(last_reply(page)).to_contain_text(ASK_ORDER)

    page.keyboard.press("Tab")  # send button
    page.keyboard.press("Tab")  # "Talk to a person"
    assert page.evaluate("document.activeElement.textContent") == "Talk to a person"
    screenshot(page, "widget-keyboard-focus")
    page.keyboard.press("Enter")
    expect(page.locator(".asc-msg--customer").last).to_contain_text("talk to a person")
    expect(last_reply(page)).to_contain_text("our team")
    expect(page.locator(".asc-team")).to_be_visible()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.classList.contains('asc-launcher')")
    page.keyboard.press("Enter")
    expect(page.locator(".asc-msg--customer")).to_have_count(2)


def test_html_and_scripts_are_shown_as_text(page, live_server, demo_store, eager_agent):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    open_demo(page, live_server)
    open_chat(page)

    send(page, hostile)
    bubble = page.locator(".asc-msg--customer .asc-text").last
    expect(bubble).to_have_text(hostile)
    expect(page.locator(".asc-msg--assistant[data-id]")).to_have_count(1)  # the agent's answer

    conversation = Conversation.objects.get(store=demo_store)
    Message.objects.create(
        store=demo_store,
        conversation=conversation,
        role=MessageRole.HUMAN_AGENT,
        text='<b>Bold?</b> javascript:alert(1) <a href="javascript:alert(2)">x</a> '
        "track it at https://example.com/t?a=1&b=2.",
    )
    reply = page.locator(".asc-msg--human_agent .asc-text")
    expect(reply).to_contain_text("<b>Bold?</b> javascript:alert(1)", timeout=20_000)
    screenshot(page, "widget-html-as-text")

    assert page.evaluate("window.__pwned") is None
    root = page.locator(".asc-root")
    expect(root.locator("img, script, b")).to_have_count(0)
    roles = page.locator(".asc-log > .asc-msg").evaluate_all(
        "nodes => nodes.map(n => n.className.split('--')[1])"
    )
    assert roles == ["assistant", "customer", "assistant", "human_agent"]  # greeting first
    links = reply.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/t?a=1&b=2")


def test_the_conversation_survives_reload_and_navigation(
    page, live_server, demo_store, eager_agent
):
    open_demo(page, live_server)
    open_chat(page)
    send(page, "where is my order")
    expect(last_reply(page)).to_contain_text(ASK_ORDER)

    page.reload()
    expect(page.get_by_role("dialog", name="Ava")).to_be_visible()  # it stays open
    expect(page.locator(".asc-msg--customer .asc-text")).to_have_text(["where is my order"])
    expect(last_reply(page)).to_contain_text(ASK_ORDER)

    page.get_by_role("link", name="Shipping & returns").click()
    expect(page).to_have_url(re.compile("/demo/help/$"))
    expect(page.locator(".asc-msg--customer .asc-text")).to_have_text(["where is my order"])
    send(page, "#1001 jane@example.com")
    expect(last_reply(page)).to_contain_text("in transit")
    screenshot(page, "widget-after-navigation")
    assert Conversation.objects.filter(store=demo_store).count() == 1


def test_two_tabs_on_one_conversation_stay_in_sync(page, live_server, demo_store, eager_agent):
    second = page.context.new_page()
    open_demo(page, live_server)
    open_demo(second, live_server)
    second.get_by_role("button", name=re.compile("^Open chat")).click()
    open_chat(page)

    send(page, "where is my order")
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    # The second tab picks up the conversation the first one started.
    expect(second.locator(".asc-msg--customer .asc-text")).to_have_text(
        ["where is my order"], timeout=20_000
    )

    second.get_by_label("Message to Ava").fill("#1001 jane@example.com")
    second.get_by_label("Message to Ava").press("Enter")
    expect(second.locator(".asc-msg--assistant").last).to_contain_text("in transit")
    expect(last_reply(page)).to_contain_text("in transit", timeout=20_000)
    expect(page.locator(".asc-msg")).to_have_count(5)  # greeting + 2 turns, no duplicates
    expect(second.locator(".asc-msg")).to_have_count(5)
    assert Conversation.objects.filter(store=demo_store).count() == 1


def test_the_typing_indicator_shows_while_the_agent_works(page, live_server, demo_store):
    # No worker and no eager mode: the task waits in the queue until we run it below.
    open_demo(page, live_server)
    open_chat(page)

    send(page, "where is my order")
    typing = page.locator(".asc-typing")
    expect(typing).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Ava is typing…")
    screenshot(page, "widget-typing")

    message = Message.objects.get(store=demo_store, role=MessageRole.CUSTOMER)
    handle_message(message.pk)
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    expect(typing).to_be_hidden()


def test_a_failure_gets_a_friendly_error_and_a_retry(page, live_server, demo_store, eager_agent):
    open_demo(page, live_server)
    open_chat(page)

    def unavailable(route):
        if route.request.method == "POST":
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                body='{"status": 503, "code": "unavailable", "detail": "down"}',
            )
        else:
            route.continue_()

    page.route("**/api/chat/conversations**", unavailable)
    send(page, "where is my order")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Something went wrong on our side")
    expect(page.locator(".asc-msg--failed")).to_contain_text("Not sent")
    screenshot(page, "widget-error")

    page.unroute("**/api/chat/conversations**")
    alert.get_by_role("button", name="Try again").click()
    expect(alert).to_be_hidden()
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    expect(page.locator(".asc-msg--failed")).to_have_count(0)
    assert Message.objects.filter(text="where is my order").count() == 1


def test_going_offline_is_explained_and_polling_backs_off(
    page, live_server, demo_store, eager_agent
):
    open_demo(page, live_server)
    open_chat(page)
    send(page, "where is my order")
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    page.context.set_offline(True)

    send(page, "hello?")

    expect(page.get_by_role("alert")).to_contain_text("couldn't reach the chat")
    attempts = []
    page.on("request", lambda request: attempts.append(request.url))
    page.wait_for_timeout(5000)
    assert len(attempts) <= 3, f"{len(attempts)} requests in 5 s while offline"
    page.context.set_offline(False)


def test_a_flood_is_told_to_slow_down(page, live_server, demo_store, eager_agent, settings):
    settings.CHAT_RATE_LIMITS = {"message_per_conversation": "1/60"}
    open_demo(page, live_server)
    open_chat(page)

    send(page, "hi")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    send(page, "hi again")

    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"a little too fast\. Please wait \d+ seconds")
    )


def test_the_widget_loads_after_the_page_without_shifting_it(page, live_server, demo_store):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(
        "window.__cls = 0; new PerformanceObserver(l => l.getEntries().forEach("
        "e => { if (!e.hadRecentInput) window.__cls += e.value; }))"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    open_demo(page, live_server)

    script = page.locator("script[data-aftersale-chat]")
    expect(script).to_have_attribute("defer", "")
    assert page.evaluate("window.__cls") == 0
    assert all(url.startswith(live_server.url) for url in requests), requests
    stylesheet_index = next(i for i, u in enumerate(requests) if u.endswith("aftersale-chat.css"))
    config_index = next(i for i, u in enumerate(requests) if "/api/chat/config" in u)
    # Both fetched by the widget once the page has loaded, never by the page itself.
    assert stylesheet_index > 0
    assert config_index > 0
    screenshot(page, "demo-storefront")


def test_the_panel_fills_a_phone_screen(chromium, live_server, demo_store):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        open_demo(phone, live_server)
        open_chat(phone)
        box = phone.get_by_role("dialog").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
        screenshot(phone, "widget-phone")
    finally:
        context.close()


def test_a_stale_saved_conversation_is_replaced_by_a_new_one(
    page, live_server, demo_store, eager_agent
):
    page.add_init_script(
        "localStorage.setItem('aftersale-chat:demo.aftersale.test',"
        " JSON.stringify({id: 987654, token: 'v1.' + 'A'.repeat(43)}))"
    )
    open_demo(page, live_server)
    open_chat(page)

    expect(page.locator(".asc-notice")).to_contain_text("previous chat has ended")
    send(page, "where is my order")
    expect(last_reply(page)).to_contain_text(ASK_ORDER)
    saved = page.evaluate("JSON.parse(localStorage.getItem('aftersale-chat:demo.aftersale.test'))")
    conversation = Conversation.objects.get(store=demo_store)
    assert saved["id"] == conversation.pk


def test_a_slow_agent_is_never_a_silent_spinner(page, live_server, demo_store):
    # No worker: the agent never answers. The page's clock is moved past 45 s.
    page.clock.install()
    open_demo(page, live_server)
    open_chat(page)
    send(page, "where is my order")
    expect(page.locator(".asc-typing")).to_be_visible()

    page.clock.fast_forward("00:50")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("taking longer than usual")
    expect(alert.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator(".asc-typing")).to_be_hidden()
    screenshot(page, "widget-slow-agent")


def test_the_merchants_name_greeting_and_colour_are_used(page, live_server, demo_store):
    settings_row = demo_store.settings
    settings_row.agent_name = "Maya"
    settings_row.greeting = "Hello, I'm Maya. Ask me anything about your order."
    settings_row.widget_color = "#0b6e4f"
    settings_row.save()

    open_demo(page, live_server)
    page.get_by_role("button", name=re.compile("^Open chat")).click()

    expect(page.get_by_role("dialog", name="Maya")).to_be_visible()
    expect(page.locator(".asc-msg--assistant").first).to_contain_text("Hello, I'm Maya.")
    expect(page.locator(".asc-header")).to_have_css("background-color", "rgb(11, 110, 79)")
    expect(page.get_by_label("Message to Maya")).to_be_focused()
    screenshot(page, "widget-merchant-settings")
