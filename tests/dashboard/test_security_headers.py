"""HSTS, the proxy header, a strict CSP on our pages, and the Django admin's exposure."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from apps.core import ratelimit
from apps.integrations.commerce.demo import seed_demo_store
from tests.headers import csp_directives

ROOT = Path(__file__).resolve().parents[2]


def _production_settings(**env: str) -> dict:
    """Settings as a production process computes them from its environment."""
    names = ["SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "ADMIN_ENABLED", "DEBUG"]
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    base = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "x" * 50,
        "ENCRYPTION_KEYS": "uX1Pq2zRZ0t9m3JmQxP6bY3m2b9F7wXkQ8gk1dKJ4Eo=",
        "SHOPIFY_API_KEY": "key",
        "SHOPIFY_API_SECRET": "secret",
        "DEBUG": "0",
        "TESTING": "0",
        "APP_URL": "https://aftersale.example.com",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_production_sends_hsts_for_a_year_and_it_can_be_tuned():
    assert _production_settings()["SECURE_HSTS_SECONDS"] == 31_536_000
    assert _production_settings(SECURE_HSTS_SECONDS="600")["SECURE_HSTS_SECONDS"] == 600
    assert _production_settings(APP_URL="http://10.0.0.5:8000")["SECURE_HSTS_SECONDS"] == 0


def test_x_forwarded_proto_is_believed_only_when_the_setting_says_so():
    assert _production_settings()["SECURE_PROXY_SSL_HEADER"] is None
    trusted = _production_settings(TRUST_X_FORWARDED_PROTO="1")
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_admin_is_off_in_production_unless_enabled():
    assert _production_settings()["ADMIN_ENABLED"] is False
    assert _production_settings(ADMIN_ENABLED="1")["ADMIN_ENABLED"] is True


@pytest.mark.django_db
def test_a_secure_request_gets_hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_a_forged_forwarded_proto_is_not_believed_by_default(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response


# ---------------------------------------------------------------- CSP


def _nonce_of(directive: str) -> str:
    match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", directive)
    assert match, directive
    return match.group(1)


@pytest.mark.django_db
def test_the_dashboard_allows_scripts_only_from_us_app_bridge_and_its_nonce(merchant, shop):
    response = merchant.get("/app/")
    csp = csp_directives(response)
    html = response.content.decode()

    assert csp["script-src"].split() == [
        "'self'", f"'nonce-{_nonce_of(csp['script-src'])}'", "https://cdn.shopify.com",
    ]  # fmt: skip
    assert "unsafe-inline" not in csp["script-src"] + csp["style-src"]
    assert "unsafe-eval" not in csp["script-src"]
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == f"https://{shop.domain} https://admin.shopify.com"
    nonce = _nonce_of(csp["script-src"])
    # htmx is loaded with it and told to put it on the scripts and styles it inserts.
    assert re.search(r'<script src="/static/django_htmx/htmx-2.min.js"[^>]*nonce="' + nonce, html)
    assert f'"inlineScriptNonce": "{nonce}"' in html


@pytest.mark.django_db
def test_every_inline_script_on_the_analytics_page_carries_the_nonce(merchant):
    response = merchant.get("/app/analytics/")
    nonce = _nonce_of(csp_directives(response)["script-src"])
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())

    assert inline
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)


@pytest.mark.django_db
def test_each_response_has_its_own_nonce(merchant):
    first = _nonce_of(csp_directives(merchant.get("/app/"))["script-src"])
    second = _nonce_of(csp_directives(merchant.get("/app/"))["script-src"])
    assert first != second


@pytest.mark.django_db
def test_the_demo_page_is_strict_and_loads_nothing_from_shopify(client):
    seed_demo_store()
    response = client.get(reverse("chat:demo"))
    csp = csp_directives(response)
    nonce = _nonce_of(csp["style-src"])

    assert csp["script-src"] == f"'self' 'nonce-{nonce}'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert f'<style nonce="{nonce}">' in response.content.decode()
    assert "shopify" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_json_answers_carry_no_page_policy(client):
    assert "Content-Security-Policy" not in client.get("/healthz")


# ---------------------------------------------------------------- admin


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/webhooks/webhookevent/"])
def test_the_admin_does_not_exist_when_disabled(settings, path):
    settings.ADMIN_ENABLED = False
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"username": "a", "password": "b"}).status_code == 404


@pytest.mark.django_db
def test_admin_logins_are_throttled_per_address(settings):
    settings.ADMIN_ENABLED = True
    settings.ADMIN_LOGIN_RATE_LIMIT = "3/600"
    client = Client(enforce_csrf_checks=False)
    answers = [
        client.post(
            "/admin/login/", {"username": "admin", "password": f"guess-{i}"},
            REMOTE_ADDR="203.0.113.7",
        ).status_code
        for i in range(5)
    ]  # fmt: skip

    assert answers == [200, 200, 200, 429, 429]
    other = client.post("/admin/login/", {"username": "a", "password": "b"}, REMOTE_ADDR="1.2.3.4")
    assert other.status_code == 200
    assert client.get("/admin/login/", REMOTE_ADDR="203.0.113.7").status_code == 200


@pytest.mark.django_db
def test_the_admin_login_limit_works_without_redis(settings, monkeypatch):
    settings.ADMIN_ENABLED = True
    settings.REDIS_URL = ""
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/600"
    monkeypatch.setattr(ratelimit, "_memory", ratelimit._MemoryWindows())
    client = Client()
    codes = [client.post("/admin/login/", {"username": "a", "password": "b"}).status_code]
    codes.append(client.post("/admin/login/", {"username": "a", "password": "b"}).status_code)
    assert codes == [200, 429]
