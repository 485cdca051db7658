"""The theme app extension's widget on a (simulated) Shopify storefront, through the App Proxy.

The page is the extension's own blocks/chat.liquid with its Liquid values filled in, the
script and stylesheet are the extension's assets/, and Playwright plays Shopify's part:
requests to /apps/aftersale/chat/... are forwarded to /proxy/chat/... with the shop,
logged_in_customer_id, timestamp and signature Shopify adds.
"""

# The browser fixtures are imported by name, so test arguments shadow them on purpose.
# ruff: noqa: F811
from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from apps.conversations.models import Conversation, Message, MessageRole
from apps.shopify_app.security import sign_proxy_query
from tests.browser.chromium import chromium, page, screenshot  # noqa: F401
from tests.factories import StoreFactory

pytestmark = pytest.mark.browser

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "aftersale-chat"
ASSETS = "/cdn/shop/t/1/assets/"


def storefront_html(shop: str) -> str:
    liquid = (EXTENSION / "blocks" / "chat.liquid").read_text()
    liquid = re.sub(r"{%-? comment -?%}.*?{%-? endcomment -?%}", "", liquid, flags=re.S)
    liquid = re.sub(r"{% schema %}.*?{% endschema %}", "", liquid, flags=re.S)
    values = {
        "'aftersale-chat.js' | asset_url": ASSETS + "aftersale-chat.js",
        "'aftersale-chat.css' | asset_url": ASSETS + "aftersale-chat.css",
        "shop.permanent_domain | escape": shop,
        "block.settings.color | escape": "#7a2e8e",
        "block.settings.greeting | escape": "Welcome to Kestrel Goods!",
    }
    block = re.sub(r"{{ (.*?) }}", lambda m: values[m.group(1)], liquid)
    assert "{{" not in block
    assert "{%" not in block
    return (
        "<!doctype html><html><head><title>Kestrel Goods</title></head>"
        f"<body><h1>Kestrel Goods</h1>{block}</body></html>"
    )


@pytest.fixture
def shopify_store(transactional_db):
    return StoreFactory(name="Kestrel Goods")


@pytest.fixture
def storefront(page, live_server, shopify_store):
    """Serve the storefront page and assets, and proxy /apps/aftersale/chat like Shopify."""
    signed_in = {"customer": "7003"}

    def serve_page(route):
        route.fulfill(content_type="text/html", body=storefront_html(shopify_store.domain))

    def serve_asset(route):
        name = urlsplit(route.request.url).path.rsplit("/", 1)[1]
        route.fulfill(path=str(EXTENSION / "assets" / name))

    def app_proxy(route):
        url = urlsplit(route.request.url)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(
            shop=shopify_store.domain,
            logged_in_customer_id=signed_in["customer"],
            path_prefix="/apps/aftersale",
            timestamp=str(int(time.time())),
        )
        params["signature"] = sign_proxy_query(params)
        rest = url.path.removeprefix("/apps/aftersale")
        route.continue_(url=f"{live_server.url}/proxy{rest}?{urlencode(params)}")

    page.route(f"{live_server.url}/products/hat", serve_page)
    page.route(f"**{ASSETS}*", serve_asset)
    page.route("**/apps/aftersale/chat/**", app_proxy)
    return signed_in


def test_the_extension_widget_chats_through_the_app_proxy(
    page, live_server, shopify_store, storefront
):
    page.goto(f"{live_server.url}/products/hat")
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    panel = page.get_by_role("dialog", name="Ava")  # the agent name from the app's settings

    expect(panel).to_be_visible()
    expect(page.locator(".asc-msg--assistant").first).to_contain_text("Welcome to Kestrel Goods!")
    expect(page.locator(".asc-header")).to_have_css("background-color", "rgb(122, 46, 142)")
    page.get_by_label("Message to Ava").fill("Do you ship to Canada?")
    page.get_by_label("Message to Ava").press("Enter")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)

    conversation = Conversation.objects.get(store=shopify_store)
    assert (conversation.customer_platform_id, conversation.customer_verified) == ("7003", True)
    Message.objects.create(
        store=shopify_store,
        conversation=conversation,
        role=MessageRole.HUMAN_AGENT,
        text="Yes! We ship to Canada in 5-8 business days.",
    )
    expect(page.locator(".asc-msg--human_agent")).to_contain_text("ship to Canada")
    screenshot(page, "widget-shopify-app-proxy")


def test_signing_out_ends_the_customers_conversation_in_that_browser(
    page, live_server, shopify_store, storefront
):
    page.goto(f"{live_server.url}/products/hat")
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    page.get_by_label("Message to Ava").fill("Where is order #1001?")
    page.get_by_label("Message to Ava").press("Enter")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)

    storefront["customer"] = ""  # the shopper signs out; the next visitor is a guest
    page.reload()

    expect(page.locator(".asc-notice")).to_contain_text("previous chat has ended")
    expect(page.locator(".asc-msg--customer")).to_have_count(0)
    page.get_by_label("Message to Ava").fill("hello")
    page.get_by_label("Message to Ava").press("Enter")
    expect(page.locator(".asc-msg--customer[data-id]")).to_have_count(1)
    guest = Conversation.objects.filter(store=shopify_store).order_by("pk").last()
    assert (guest.customer_platform_id, guest.customer_verified) == ("", False)
    assert Conversation.objects.filter(store=shopify_store).count() == 2
