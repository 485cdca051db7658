"""The storefront widget under pressure: failed sends keep their place and their id, a
refused conversation token starts a new conversation, "Talk to a person" gets through a
rate limit, and the phone-sized details (font size, scroll, labels)."""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from apps.conversations.models import Conversation, Message, MessageRole
from apps.integrations.commerce.demo import seed_demo_store
from config.celery import app as celery_app
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MESSAGES = "**/api/chat/conversations/*/messages**"


@pytest.fixture
def demo_store(transactional_db):
    return seed_demo_store()


@pytest.fixture
def eager_agent():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _open(page, live_server):
    page.goto(live_server.url + "/demo/")
    expect(page.locator(".asc-root[data-ready]")).to_be_attached()
    page.get_by_role("button", name=re.compile("^Open chat")).click()


def _send(page, text):
    box = page.get_by_label("Message to Ava")
    box.fill(text)
    box.press("Enter")


def _customer_texts(store):
    return list(
        Message.objects.filter(store=store, role=MessageRole.CUSTOMER)
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_failed_messages_keep_their_order_their_id_and_the_banner(
    page, live_server, demo_store, eager_agent
):
    _open(page, live_server)
    _send(page, "hello")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    posted: list[dict] = []
    page.on(
        "request",
        lambda r: (
            posted.append(json.loads(r.post_data or "{}"))
            if r.method == "POST" and "/messages" in r.url
            else None
        ),
    )

    def down(route):  # sends and polls alike
        route.fulfill(status=503, content_type="application/json", body="{}")

    page.route(MESSAGES, down)
    _send(page, "first")
    expect(page.locator(".asc-msg--failed")).to_have_count(1)
    _send(page, "second")  # retries "first", in order; both stay unsent
    expect(page.locator(".asc-msg--failed")).to_have_count(2)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # a failing poll
    page.wait_for_timeout(500)
    page.unroute(MESSAGES)  # polls work again, sends still fail
    page.route(
        MESSAGES,
        lambda route: (
            route.fulfill(status=503, body="{}")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # a good poll
    page.wait_for_timeout(500)
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()  # the banner stays while something is unsent
    expect(alert).to_contain_text("2 messages are not sent yet")
    pending = page.locator(".asc-msg--customer:not([data-id])")
    expect(pending.nth(0)).to_contain_text("first")
    expect(pending.nth(1)).to_contain_text("second")
    screenshot(page, "widget-unsent-in-order")

    page.unroute(MESSAGES)
    pending.nth(0).get_by_role("button", name="Retry").click()

    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(3)
    expect(alert).to_be_hidden()
    texts = page.locator(".asc-msg--customer .asc-text").all_inner_texts()
    assert texts == ["hello", "first", "second"]
    assert _customer_texts(demo_store) == ["hello", "first", "second"]
    tries = [(p["text"], p["client_message_id"]) for p in posted]
    assert [t for t, _ in tries] == ["first", "first", "first", "second"]  # never out of order
    assert all(UUID.match(i) for _, i in tries)
    # Every try of one message carried the same id, so the server can keep one copy.
    assert len({i for t, i in tries if t == "first"}) == 1
    assert tries[0][1] != tries[-1][1]


def test_a_refused_token_on_send_starts_a_new_conversation(
    page, live_server, demo_store, eager_agent
):
    _open(page, live_server)
    _send(page, "hello")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    old = Conversation.objects.get(store=demo_store)
    refused: list[dict] = []

    def refuse_once(route):
        if route.request.method == "POST" and not refused:
            refused.append(json.loads(route.request.post_data or "{}"))
            route.fulfill(
                status=404,
                content_type="application/problem+json",
                body='{"status": 404, "code": "conversation_not_found"}',
            )
        else:
            route.continue_()

    page.route(MESSAGES, refuse_once)
    sent: list[dict] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}"))
            if r.method == "POST" and "/messages" in r.url
            else None
        ),
    )
    _send(page, "where is my order")

    expect(page.locator(".asc-notice")).to_contain_text("continues in a new one")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(2)
    new = Conversation.objects.exclude(pk=old.pk).get(store=demo_store)
    assert list(new.messages.filter(role="customer").values_list("text", flat=True)) == [
        "where is my order"
    ]
    saved = page.evaluate("JSON.parse(localStorage.getItem('aftersale-chat:demo.aftersale.test'))")
    assert saved["id"] == new.pk
    ids = {s["client_message_id"] for s in sent if s.get("text") == "where is my order"}
    assert len(ids) == 1  # the same message id in the new conversation


def test_talk_to_a_person_gets_through_a_rate_limit(
    page, live_server, demo_store, eager_agent, settings
):
    settings.CHAT_RATE_LIMITS = {"message_per_conversation": "1/60"}
    _open(page, live_server)
    _send(page, "hi")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    _send(page, "hi again")
    expect(page.get_by_role("alert")).to_contain_text("a little too fast")

    page.get_by_role("button", name="Talk to a person").click()

    expect(page.locator(".asc-team")).to_be_visible()
    expect(page.locator(".asc-msg--assistant").last).to_contain_text("our team")
    assert "I'd like to talk to a person, please." in _customer_texts(demo_store)


def test_phone_details(chromium, live_server, demo_store, eager_agent):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(live_server.url + "/demo/")
        expect(phone.locator(".asc-root[data-ready]")).to_be_attached()
        launcher = phone.locator(".asc-launcher")
        expect(launcher).to_have_attribute("aria-label", "Open chat")
        launcher.click()
        expect(launcher).to_have_attribute("aria-label", "Close chat")
        size = phone.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.asc-input')).fontSize)"
        )
        assert size >= 16  # iOS zooms into smaller inputs

        for i in range(6):
            _send(phone, f"message {i} " + "with some words " * 6)
            expect(phone.locator(".asc-msg--customer[data-id]")).to_have_count(i + 1)
        phone.set_viewport_size({"width": 390, "height": 480})  # the keyboard opens
        phone.wait_for_timeout(300)
        at_bottom = phone.evaluate(
            "(l => l.scrollHeight - l.scrollTop - l.clientHeight < 4)"
            "(document.querySelector('.asc-log'))"
        )
        assert at_bottom
        screenshot(phone, "widget-phone-keyboard")
        assert phone.evaluate(
            "document.querySelector('link[rel=icon]').getAttribute('href')"
        ).endswith("favicon.svg")
        favicon = phone.request.get(live_server.url + "/static/favicon.svg")
        assert favicon.status == 200
    finally:
        context.close()


def test_a_person_asked_for_behind_a_message_in_flight_still_gets_through(
    page, live_server, demo_store, eager_agent, settings
):
    settings.CHAT_RATE_LIMITS = {"message_per_conversation": "1/60"}
    _open(page, live_server)
    _send(page, "hi")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    held = []

    def hold_the_next_message(route):
        body = json.loads(route.request.post_data or "{}")
        if route.request.method == "POST" and body.get("text") == "hi again" and not held:
            held.append(route)  # in flight until released below
        else:
            route.continue_()

    page.route(MESSAGES, hold_the_next_message)
    _send(page, "hi again")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator(".asc-msg-state", has_text="Waiting to send")).to_have_count(1)
    held[0].continue_()  # the server answers 429: the request for a person goes next

    expect(page.locator(".asc-team")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("a little too fast")
    texts = _customer_texts(demo_store)
    assert texts == ["hi", "I'd like to talk to a person, please."]
