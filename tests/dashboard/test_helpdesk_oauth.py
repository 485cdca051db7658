"""Connecting a helpdesk with its OAuth, for each of the four: the admin's signed start link,
this browser's nonce, the provider's consent (played), the signed state back, the code
stored encrypted and exchanged in the connect task, then identity and webhooks as for a
token. Every forged, expired, foreign or replayed step is refused and stores nothing."""

# The helpdesk stand-ins fixture is imported by name, so test arguments shadow it on purpose.
# ruff: noqa: F811
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core import signing
from django.test import Client

from apps.dashboard.services.helpdesk_connect import NONCE_COOKIE
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from tests.billing.billing_shopify import subscribed
from tests.integrations.helpdesk.conftest import HelpdeskWorld, world  # noqa: F401

pytestmark = pytest.mark.django_db

OAUTH_BASE = "https://oauth.standin.test"
NEEDS = {
    "gorgias": {"subdomain": "northwind"},
    "zendesk": {"subdomain": "northwind"},
    "front": {"teammate_email": "bot@merchant.test", "inbox_id": "inb_77"},
    "intercom": {"region": "us"},
}


@pytest.fixture
def oauth_app(settings, world: HelpdeskWorld, respx_mock, shop: Store):  # type: ignore[no-untyped-def]
    subscribed(shop, plan_key="growth")
    settings.HELPDESK_APPS = {
        **settings.HELPDESK_APPS,
        world.name: {"client_id": "cid-1", "client_secret": "csec-1", "webhook_secret": "whs-1"},
    }
    settings.HELPDESK_OAUTH_URLS = {world.name: f"{OAUTH_BASE}/{world.name}"}

    def token(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert (form["client_id"], form["client_secret"]) == ("cid-1", "csec-1")
        answer = world.standin.oauth_tokens(form)
        return httpx.Response(400 if "error" in answer else 200, json=answer)

    respx_mock.route(host=world.standin.host).mock(side_effect=world.standin.handle)
    return respx_mock.post(f"{OAUTH_BASE}/{world.name}/token").mock(side_effect=token)


def start(merchant, world: HelpdeskWorld) -> str:  # type: ignore[no-untyped-def]
    response = merchant.post(f"/app/integrations/{world.name}/helpdesk/oauth/", NEEDS[world.name])
    assert response.status_code == 200, response.content
    html = response.content.decode()
    go = html[
        html.index("/app/helpdesk/oauth/") : html.index('"', html.index("/app/helpdesk/oauth/"))
    ]
    return go.replace("&amp;", "&")


def consent(browser: Client, go: str, world: HelpdeskWorld) -> tuple[str, str]:
    """Open the start link; return the provider's authorize URL's state and redirect_uri."""
    response = browser.get(go)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == f"{OAUTH_BASE}/{world.name}/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == "cid-1"
    return query["state"], query["redirect_uri"]


def test_oauth_connects_the_helpdesk_end_to_end(
    merchant,
    shop: Store,
    world: HelpdeskWorld,
    oauth_app,
    eager_tasks,
    django_capture_on_commit_callbacks,
):  # type: ignore[no-untyped-def]
    browser = Client()
    state, redirect = consent(browser, start(merchant, world), world)
    assert redirect == f"http://localhost:8000/app/helpdesk/oauth/{world.name}/callback/"

    with django_capture_on_commit_callbacks(execute=True):
        back = browser.get(
            redirect.removeprefix("http://localhost:8000"), {"code": "c0de", "state": state}
        )
    assert back.status_code == 200
    assert "authorised" in back.content.decode()
    assert oauth_app.call_count == 1
    row = IntegrationCredential.objects.get(store=shop, provider=world.name)
    config = row.revealed_config()
    assert (row.status, row.last_error) == (IntegrationStatus.CONNECTED, "")
    assert config["access_token"] == world.standin.oauth_token
    assert "oauth_code" not in config
    assert config["bot_actor_id"] == world.standin.bot_id
    assert row.hint == "authorised with OAuth"
    panel = merchant.get(f"/app/integrations/{world.name}/helpdesk/").content.decode()
    assert "(OAuth)" in panel
    # The state is single-browser and single-use in effect: replayed elsewhere, refused.
    stranger = Client()
    again = stranger.get(
        redirect.removeprefix("http://localhost:8000"), {"code": "x", "state": state}
    )
    assert again.status_code == 400


@pytest.mark.parametrize(
    "case", ["forged_state", "other_provider", "no_cookie", "refused", "no_code"]
)
def test_a_bad_callback_stores_nothing(
    merchant, shop: Store, world: HelpdeskWorld, oauth_app, case: str
):  # type: ignore[no-untyped-def]
    browser = Client()
    state, redirect = consent(browser, start(merchant, world), world)
    path = redirect.removeprefix("http://localhost:8000")
    params = {"code": "c0de", "state": state}
    if case == "forged_state":
        params["state"] = signing.dumps(
            {"s": shop.pk + 1, "p": world.name, "f": {}, "n": "x"}, salt="other"
        )
    elif case == "other_provider":
        other = "zendesk" if world.name != "zendesk" else "gorgias"
        path = path.replace(f"/{world.name}/", f"/{other}/")
    elif case == "no_cookie":
        browser.cookies.pop(NONCE_COOKIE)
    elif case == "refused":
        params = {"error": "access_denied", "state": state}
    elif case == "no_code":
        params = {"state": state}
    response = browser.get(path, params)
    assert response.status_code in (400, 404)
    assert not IntegrationCredential.objects.filter(store=shop).exists()
    assert oauth_app.call_count == 0


def test_a_tampered_start_link_is_refused(merchant, world: HelpdeskWorld, oauth_app):  # type: ignore[no-untyped-def]
    go = start(merchant, world)
    response = Client().get(go[:-3] + "abc")
    assert response.status_code == 400


def test_an_expiring_token_is_refreshed_once_under_the_lock(
    shop: Store, world: HelpdeskWorld, oauth_app
):  # type: ignore[no-untyped-def]
    from apps.helpdesk.tokens import fresh_config
    from apps.stores.fields import Secret

    row = IntegrationCredential.objects.create(
        store=shop,
        provider=world.name,
        status=IntegrationStatus.CONNECTED,
        config=Secret(
            json.dumps(
                {
                    **NEEDS[world.name],
                    "auth": "oauth",
                    "access_token": "old",
                    "refresh_token": "r1",
                    "expires_at": "1",
                }
            )
        ),
    )
    first = fresh_config(row)
    second = fresh_config(IntegrationCredential.objects.get(pk=row.pk))
    assert first["access_token"] == second["access_token"] == world.standin.oauth_token
    assert first["refresh_token"] != "r1"  # rotated, and stored before use
    assert oauth_app.call_count == 1
    assert (
        IntegrationCredential.objects.get(pk=row.pk).revealed_config()["refresh_token"]
        == first["refresh_token"]
    )
