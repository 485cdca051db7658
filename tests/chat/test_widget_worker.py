"""The widget in Chromium with the agent on a real Celery worker: typing, then the reply."""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.integrations.commerce.demo import seed_demo_store
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_a_whole_conversation_through_the_worker(page, live_server, celery_worker_process):
    seed_demo_store()
    page.goto(live_server.url + "/demo/")
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    box = page.get_by_label("Message to Ava")
    replies = page.locator(".asc-msg--assistant")

    box.fill("where is my order")
    box.press("Enter")
    expect(page.locator(".asc-msg--customer .asc-text")).to_have_text(["where is my order"])
    expect(replies.last).to_contain_text("order number", timeout=30_000)

    box.fill("#1001 jane@example.com")
    box.press("Enter")
    expect(replies.last).to_contain_text("in transit", timeout=30_000)
    expect(page.locator(".asc-typing")).to_be_hidden()
    screenshot(page, "widget-worker-order-status")
