"""The demo store's way in: a locally minted session token, honoured only with DEBUG on,
only for the installed demo-platform store, and never as a Shopify token."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.conversations.models import ActionStatus, AgentAction, Conversation
from apps.dashboard.demo.history import HISTORY
from apps.dashboard.demo.samples import SAMPLES, demo_conversations_ensure
from apps.dashboard.demo.tokens import (
    DemoTokenError,
    _signing_key,
    mint_demo_token,
    verify_demo_token,
)
from apps.stores.models import Platform, StoreStatus
from tests.dashboard.conftest import token_for
from tests.factories import StoreFactory
from tests.headers import frame_ancestors

pytestmark = pytest.mark.django_db


def _open(token: str, path: str = "/app/"):
    return Client().get(path, headers={"Authorization": f"Bearer {token}"})


def _forged(store_domain: str, **overrides) -> str:
    """A demo-shaped token signed with the demo key (only a holder of the app secret can)."""
    now = datetime.now(tz=UTC)
    claims = {
        "iss": "aftersale-demo",
        "dest": f"https://{store_domain}",
        "aud": "3f1d6c0b8e2a4b7c9d0e1f2a3b4c5d6e",
        "sub": "demo-merchant",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": "j",
        **overrides,
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256", headers={"kid": "aftersale-demo"})


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_the_demo_store_opens_with_a_minted_token_when_debug_is_on(demo_store, debug):
    response = _open(mint_demo_token(demo_store))

    assert response.status_code == 200
    assert b"Northwind Outfitters" in response.content
    # The demo is not framed by any admin, and has no App Bridge to send it to one.
    assert frame_ancestors(response) == "frame-ancestors 'none';"
    assert b"app-bridge.js" not in response.content


def test_with_debug_off_no_demo_token_can_be_minted(demo_store, settings):
    settings.DEBUG = False
    with pytest.raises(DemoTokenError):
        mint_demo_token(demo_store)


def test_with_debug_off_a_demo_token_is_refused(demo_store, settings):
    settings.DEBUG = True
    token = mint_demo_token(demo_store)
    settings.DEBUG = False

    response = _open(token)

    assert response.status_code == 401
    assert b"Northwind" not in response.content


def test_the_mint_refuses_any_store_but_the_demo_one(debug):
    shopify = StoreFactory()
    uninstalled_demo = StoreFactory(
        platform=Platform.DEMO, domain="old-demo.test", status=StoreStatus.UNINSTALLED
    )
    for store in (shopify, uninstalled_demo):
        with pytest.raises(DemoTokenError):
            mint_demo_token(store)


def test_a_demo_token_naming_a_shopify_store_is_refused(debug):
    shopify = StoreFactory(domain="real-shop.myshopify.com")

    response = _open(_forged(shopify.domain))

    assert response.status_code == 401
    with pytest.raises(DemoTokenError):
        verify_demo_token(_forged(shopify.domain))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"exp": int(time.time()) - 60, "iat": int(time.time()) - 120}, id="expired"),
        pytest.param({"aud": "another-app"}, id="wrong-aud"),
        pytest.param({"iss": "https://demo.aftersale.test/admin"}, id="wrong-issuer"),
        pytest.param({"exp": datetime.now(tz=UTC) + timedelta(days=30)}, id="lives-too-long"),
        pytest.param({"dest": "http://demo.aftersale.test"}, id="not-https"),
    ],
)
def test_a_bad_demo_token_is_refused(demo_store, debug, overrides):
    response = _open(_forged(demo_store.domain, **overrides))

    assert response.status_code == 401
    assert b"Northwind" not in response.content


def test_a_demo_token_signed_with_the_plain_app_secret_is_refused(demo_store, debug, settings):
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": "aftersale-demo",
            "dest": f"https://{demo_store.domain}",
            "aud": settings.SHOPIFY_API_KEY,
            "sub": "x",
            "iat": now,
            "nbf": now,
            "exp": now + 60,
            "jti": "j",
        },
        settings.SHOPIFY_API_SECRET,
        algorithm="HS256",
        headers={"kid": "aftersale-demo"},
    )

    assert _open(token).status_code == 401


def test_a_shopify_session_token_never_opens_the_demo_store(demo_store, debug):
    # Shopify signs with the app secret and its dest is a myshopify.com shop.
    response = _open(token_for(demo_store))

    assert response.status_code == 401
    assert b"Northwind" not in response.content


def test_a_document_load_with_an_expired_demo_link_explains_what_to_do(demo_store, debug):
    expired = _forged(demo_store.domain, exp=int(time.time()) - 60, iat=int(time.time()) - 120)

    response = Client().get("/app/", {"id_token": expired})

    assert response.status_code == 401
    html = response.content.decode()
    assert "<code>make demo-link</code>" in html  # rendered as code, no literal backticks
    assert "`" not in html
    assert 'href="/app/"' in html


def test_a_reload_of_the_demo_dashboard_without_a_token_keeps_working(demo_store, debug):
    response = Client().get("/app/conversations/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Northwind" in html
    token = html.split('name="aftersale-session-token" content="', 1)[1].split('"', 1)[0]
    store, _ = verify_demo_token(token)  # the page carries a fresh demo token for htmx
    assert store == demo_store


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"shop": "northwind.myshopify.com"}, {}),  # Shopify loading the app: its own flow
        ({"host": "YWRtaW4"}, {}),
        ({}, {"HX-Request": "true"}),  # an htmx request without a token stays refused
    ],
)
def test_only_a_plain_page_load_gets_a_fresh_demo_token(demo_store, debug, params, headers):
    response = Client().get("/app/", params, headers=headers)

    assert response.status_code in (401, 302)
    assert b"Northwind" not in response.content


def test_without_debug_a_page_load_without_a_token_never_opens_the_demo(demo_store, settings):
    settings.DEBUG = False

    response = Client().get("/app/")

    assert b"Northwind" not in response.content
    assert response.status_code in (401, 302)


def test_without_a_demo_store_a_page_load_without_a_token_is_refused(db, debug):
    response = Client().get("/app/")

    assert response.status_code in (401, 302)


def test_demo_links_prints_the_storefront_and_a_dashboard_link_for_the_demo_store(
    demo_store, debug
):
    out = StringIO()
    call_command("demo_links", "--port", "8123", stdout=out)

    lines = out.getvalue().splitlines()
    assert "  Storefront with the chat widget: http://localhost:8123/demo/" in lines
    link = next(line.strip() for line in lines if "/app/?id_token=" in line)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost:8123", "/app/")
    token = parse_qs(parts.query)["id_token"][0]
    store, claims = verify_demo_token(token)
    assert store == demo_store
    assert claims.expires_at - datetime.now(tz=UTC) <= timedelta(minutes=10)
    assert _open(token).status_code == 200


def test_demo_links_adds_sample_conversations_once(demo_store, debug):
    call_command("demo_links", stdout=StringIO())
    call_command("demo_links", stdout=StringIO())

    # The five samples of today and the past weeks' conversations (analytics history).
    assert Conversation.objects.filter(store=demo_store).count() == len(SAMPLES) + len(HISTORY)
    waiting = AgentAction.objects.get(store=demo_store, status=ActionStatus.AWAITING_APPROVAL)
    assert waiting.amount == 250
    assert not Conversation.objects.exclude(store=demo_store).exists()


def test_demo_links_refuses_with_debug_off(demo_store, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_links", stdout=StringIO())
    assert not Conversation.objects.exists()


def test_demo_links_needs_a_seeded_demo_store(db, debug):
    with pytest.raises(CommandError, match="make demo"):
        call_command("demo_links", stdout=StringIO())


def test_sample_conversations_are_only_for_the_demo_store(db):
    with pytest.raises(ValueError, match="demo store only"):
        demo_conversations_ensure(StoreFactory())
    assert not Conversation.objects.exists()
