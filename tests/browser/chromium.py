"""Headless Chromium for widget tests: Debian's /usr/bin/chromium driven by Playwright.

Never a downloaded browser. Import the fixtures into a test module to use them:

    from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README names this folder; it is gitignored (artifacts/).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def chromium(django_db_setup: Any) -> Iterator[Any]:
    """Debian's Chromium, headless, for one test module.

    Per module, not per session: Playwright's sync API keeps an asyncio loop running on
    the test thread while the browser lives, and no test outside these modules should
    find one there. Needs the test database first (created before the loop starts).
    """
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # The ORM calls tests make between browser steps are ordinary synchronous calls,
    # which Django would otherwise refuse next to the running loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (own storage) and page; fails the test on any JS error."""
    from playwright.sync_api import expect

    # Generous waits: the suite shares two cores with PostgreSQL, Redis and the agent.
    expect.set_options(timeout=15_000)
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
