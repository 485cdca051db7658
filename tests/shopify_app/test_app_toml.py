"""shopify.app.toml must agree with the settings and routes it describes."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from django.urls import resolve

import config.settings as project_settings

TOML = tomllib.loads((Path(project_settings.BASE_DIR) / "shopify.app.toml").read_text())
APP_URL = TOML["application_url"].removesuffix("/app/")


@pytest.mark.skipif("SHOPIFY_SCOPES" in os.environ, reason="compares with the default")
def test_scopes_match_the_settings_default(settings):
    assert TOML["access_scopes"]["scopes"] == settings.SHOPIFY_SCOPES


def test_the_app_is_embedded_and_enters_at_app():
    assert TOML["embedded"] is True
    assert TOML["pos"] == {"embedded": False}
    assert TOML["application_url"].endswith("/app/")
    assert resolve("/app/").url_name == "home"


def test_the_oauth_callback_is_a_registered_redirect_url():
    assert TOML["auth"]["redirect_urls"] == [f"{APP_URL}/shopify/callback"]
    assert resolve("/shopify/callback").url_name == "callback"


def test_webhooks_are_app_specific_on_one_endpoint_with_the_compliance_topics(settings):
    webhooks = TOML["webhooks"]
    assert webhooks["api_version"] == settings.SHOPIFY_API_VERSION == "2026-10"
    regular, compliance = webhooks["subscriptions"]
    assert set(regular["topics"]) == {
        "app/uninstalled",
        "orders/create",
        "orders/updated",
        "orders/fulfilled",
        "orders/cancelled",
        "refunds/create",
        "app_subscriptions/update",
        "shop/update",
    }
    assert compliance["compliance_topics"] == [
        "customers/data_request",
        "customers/redact",
        "shop/redact",
    ]
    assert regular["uri"] == compliance["uri"] == f"{APP_URL}/webhooks/shopify"


def test_the_app_proxy_points_at_proxy():
    assert TOML["app_proxy"] == {
        "url": f"{APP_URL}/proxy",
        "subpath": "aftersale",
        "prefix": "apps",
    }
