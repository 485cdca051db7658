"""The widget's files, the theme app extension that ships them, and the demo page."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from pathlib import Path

import pytest
from django.test import override_settings

from apps.integrations.commerce.demo import seed_demo_store

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "static" / "widget"
EXTENSION = ROOT / "extensions" / "aftersale-chat"
FILES = ["aftersale-chat.js", "aftersale-chat.css"]


def test_the_widget_stays_under_its_size_budget():
    gzipped = sum(len(gzip.compress((SOURCE / name).read_bytes(), 9)) for name in FILES)

    assert gzipped < 30 * 1024


@pytest.mark.parametrize("name", FILES)
def test_the_extension_ships_exactly_the_widget_source(name):
    # One source of truth: static/widget/. Run `make widget` after changing it.
    assert (EXTENSION / "assets" / name).read_bytes() == (SOURCE / name).read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_the_widget_is_plain_ascii(name):
    # A storefront may serve our files without a charset and decode them as Latin-1.
    (SOURCE / name).read_bytes().decode("ascii")


def test_the_widget_never_parses_text_as_html_or_code():
    script = (SOURCE / "aftersale-chat.js").read_text()

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "new Function" not in script


def test_the_widget_loads_nothing_from_anyone_else():
    for name in FILES:
        text = (SOURCE / name).read_text()
        urls = set(re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s'\")]*", text))
        # The SVG namespace is an identifier, never fetched.
        assert urls <= {"http://www.w3.org/2000/svg"}, urls
    css = (SOURCE / "aftersale-chat.css").read_text()
    assert "@import" not in css
    assert "url(" not in css


def test_the_extension_is_an_app_embed_block_for_the_body():
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    liquid = (EXTENSION / "blocks" / "chat.liquid").read_text()
    schema = json.loads(re.search(r"{% schema %}(.*?){% endschema %}", liquid, re.S).group(1))

    assert config["type"] == "theme"
    assert schema["target"] == "body"
    assert {s["id"]: s["type"] for s in schema["settings"]} == {
        "color": "color",
        "greeting": "text",
    }
    tag = re.search(r"<script(.*?)></script>", liquid, re.S).group(1)
    assert " defer" in tag
    assert 'data-api-base="/apps/aftersale/chat"' in tag
    assert "{{ 'aftersale-chat.js' | asset_url }}" in tag
    assert "{{ 'aftersale-chat.css' | asset_url }}" in tag
    assert "{{ block.settings.greeting | escape }}" in tag


@pytest.mark.django_db
class TestDemoPage:
    def test_it_serves_the_storefront_with_the_widget_when_the_demo_store_exists(self, client):
        store = seed_demo_store()

        home = client.get("/demo/")
        help_page = client.get("/demo/help/")

        assert home.status_code == 200
        assert help_page.status_code == 200
        html = home.content.decode()
        assert "Northwind Outfitters" in html
        tag = re.search(r"<script[^>]*data-aftersale-chat[^>]*>", html, re.S).group(0)
        assert " defer" in tag
        assert 'data-api-base="/api/chat"' in tag
        assert f'data-widget-key="{store.widget_key}"' in tag
        assert "/static/widget/aftersale-chat.js" in tag

    def test_it_does_not_exist_without_a_demo_store(self, client):
        assert client.get("/demo/").status_code == 404

    @override_settings(DEBUG=True)
    def test_in_debug_it_says_how_to_seed_the_demo_store(self, client):
        response = client.get("/demo/")

        assert response.status_code == 503
        assert "make demo" in response.content.decode()
