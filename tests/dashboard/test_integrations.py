"""Integrations: encrypted credentials, never shown back, and a real "test connection"."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from apps.dashboard.services.integrations import integration_check_run, integration_connect
from apps.helpdesk import connect as helpdesk_connect
from apps.integrations.connections.registry import PROVIDERS
from apps.stores.models import IntegrationCredential, IntegrationStatus, SettingsAuditEntry
from tests.billing.billing_shopify import subscribed
from tests.dashboard.fixtures.providers import (  # noqa: F401
    OK,
    REFUSED,
    TWILIO_SID,
    every_provider_connectable,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_provider_connectable")]

STRIPE_KEY = "sk_test_51Hq2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYzAbCdEfGhIjK1234"

CONFIGS = {
    "gorgias": {
        "subdomain": "fancysocks",
        "email": "ops@fancysocks.example",
        "api_key": "gorgias-key-0123456789abcd",
    },
    "zendesk": {
        "subdomain": "fancysocks",
        "email": "ops@fancysocks.example",
        "api_token": "zendesk-token-0123456789",
    },
    "front": {
        "api_token": "eyJhbGciOiJIUzI1NiJ9.front.token-9876",
        "teammate_email": "ai@fancysocks.example",
        "inbox_id": "inb_55c8c149",
    },
    "intercom": {"access_token": "dG9rOmludGVyY29tLXRva2VuLTU1NTU=", "region": "eu"},
    "easypost": {
        "api_key": "EZTK0123456789abcdef0123456789ab",
        "webhook_secret": "tracker-hmac-secret-0001",
        "return_name": "Fancy Socks Returns",
        "return_street1": "1 Warehouse Way",
        "return_city": "Portland",
        "return_state": "OR",
        "return_zip": "97201",
        "return_country": "US",
        "parcel_weight_oz": "12",
        "rate_choice": "cheapest",
    },
    "stripe": {"secret_key": STRIPE_KEY, "webhook_secret": "whsec_0123456789abcdef"},
    "sendgrid": {
        "api_key": "SG.abcdefghijklmnop.qrstuvwxyzABCDEFGHIJ0123456789",
        "from_email": "support@fancysocks.example",
        "from_name": "Fancy Socks",
        "inbound_domain": "reply.fancysocks.example",
        # The Signed Event Webhook's public key (base64 DER, P-256).
        "event_webhook_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJJXlCmIJb4fr26G3mhoCPS9zuWXDA0Vf"
        "+HxDTflYbDo4QHJGmiHoGfUoiMT7C/mpd/KUyy5KwqFHFLkEBJAzrw==",
        "region": "global",
    },
    "twilio": {
        "account_sid": TWILIO_SID,
        "auth_token": "twilio-auth-token-0123456789",
        "from_number": "+15005550006",
        "messaging_service_sid": "MG" + "0123456789abcdef" * 2,
    },
}
URLS = {
    "gorgias": "https://fancysocks.gorgias.com/api/account",
    "zendesk": "https://fancysocks.zendesk.com/api/v2/users/me.json",
    "front": "https://api2.frontapp.com/me",
    "intercom": "https://api.eu.intercom.io/me",
    "easypost": "https://api.easypost.com/v2/addresses?page_size=1",
    "stripe": "https://api.stripe.com/v1/balance",
    "sendgrid": "https://api.sendgrid.com/v3/scopes",
    "twilio": f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}.json",
}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


EXPECTED_AUTH = {
    "gorgias": _basic("ops@fancysocks.example", "gorgias-key-0123456789abcd"),
    "zendesk": _basic("ops@fancysocks.example/token", "zendesk-token-0123456789"),
    "front": "Bearer eyJhbGciOiJIUzI1NiJ9.front.token-9876",
    "intercom": "Bearer dG9rOmludGVyY29tLXRva2VuLTU1NTU=",
    "easypost": _basic("EZTK0123456789abcdef0123456789ab", ""),
    "stripe": f"Bearer {STRIPE_KEY}",
    "sendgrid": "Bearer SG.abcdefghijklmnop.qrstuvwxyzABCDEFGHIJ0123456789",
    "twilio": _basic(TWILIO_SID, "twilio-auth-token-0123456789"),
}
SECRETS = {
    k: [
        v
        for f, v in CONFIGS[k].items()
        if any(x.name == f and x.secret for x in PROVIDERS[k].fields)
    ]
    for k in CONFIGS
}


@pytest.fixture(autouse=True)
def _helpdesk_identity_and_webhooks_tested_elsewhere(monkeypatch):
    """Past this check, connecting a helpdesk learns who the credentials act as and registers
    our webhooks, against the helpdesk stand-ins: tests/dashboard/test_helpdesk_connect.py."""
    monkeypatch.setattr(helpdesk_connect, "_connect", lambda row, config: (config, "checked"))


@pytest.fixture
def connect(merchant, shop, eager_tasks, django_capture_on_commit_callbacks):
    """POST the provider's credentials and run the check the save enqueues."""

    subscribed(shop, plan_key="growth")

    def _connect(key: str, data: dict | None = None, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or merchant).post(
                f"/app/integrations/{key}/connect/", data or CONFIGS[key]
            )

    return _connect


def _row(store, key) -> IntegrationCredential:
    return IntegrationCredential.objects.get(store=store, provider=key)


def test_the_page_lists_every_supported_provider_not_connected(merchant):
    html = merchant.get("/app/integrations/").content.decode()

    for key in (
        "gorgias",
        "zendesk",
        "front",
        "intercom",
        "easypost",
        "stripe",
        "sendgrid",
        "twilio",
    ):
        assert f'data-provider="{key}" data-status="not_connected"' in html
    assert html.count("Not connected") == 8


@pytest.mark.parametrize("key", list(CONFIGS))
def test_connecting_checks_the_credentials_with_the_provider(
    connect, merchant, shop, respx_mock, key
):
    route = respx_mock.get(URLS[key]).mock(return_value=httpx.Response(200, json=OK[key]))

    response = connect(key)

    assert response.status_code == 200
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["Authorization"] == EXPECTED_AUTH[key]
    if key == "intercom":
        assert request.headers["Intercom-Version"] == "2.14"
    row = _row(shop, key)
    assert (row.status, row.last_error) == (IntegrationStatus.CONNECTED, "")
    assert row.last_checked_at is not None
    # Optional fields left empty are stored empty.
    assert {k: v for k, v in row.revealed_config().items() if v} == CONFIGS[key]
    # The saved card says the check is on its way; the card polled afterwards has the answer.
    assert "Checking…" in response.content.decode()
    card = merchant.get(f"/app/integrations/{key}/").content.decode()
    assert 'data-status="connected"' in card
    assert "Checking…" not in card


@pytest.mark.parametrize("key", list(CONFIGS))
def test_a_refused_check_shows_the_providers_message(connect, merchant, shop, respx_mock, key):
    status, body, message = REFUSED[key]
    answer = httpx.Response(status, json=body) if body is not None else httpx.Response(status)
    respx_mock.get(URLS[key]).mock(return_value=answer)

    connect(key)

    row = _row(shop, key)
    assert row.status == IntegrationStatus.FAILING
    assert row.last_error.startswith(message)
    html = merchant.get(f"/app/integrations/{key}/").content.decode()
    assert 'data-status="failing"' in html
    assert "Failing" in html
    assert message.split(":")[0] in html


def test_the_secret_is_encrypted_at_rest_and_never_shown_again(connect, merchant, shop, respx_mock):
    respx_mock.get(URLS["stripe"]).mock(return_value=httpx.Response(200, json=OK["stripe"]))
    connect("stripe")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT config FROM stores_integrationcredential WHERE store_id = %s", [shop.pk]
        )
        (ciphertext,) = cursor.fetchone()
    page = merchant.get("/app/integrations/").content.decode()
    form = merchant.get("/app/integrations/stripe/form/").content.decode()
    audit = SettingsAuditEntry.objects.get(store=shop, section="integrations")

    assert STRIPE_KEY not in ciphertext
    assert ciphertext.startswith("gAAAAA")
    assert STRIPE_KEY not in page
    assert STRIPE_KEY not in form
    assert "configured, ends in …1234" in page
    assert STRIPE_KEY not in json.dumps(audit.changes)
    assert audit.changes == {
        "secret_key": {"old": None, "new": "(secret changed)"},
        "webhook_secret": {"old": None, "new": "(secret changed)"},
    }
    assert STRIPE_KEY not in repr(_row(shop, "stripe"))


def test_editing_with_the_secret_left_blank_keeps_it(connect, shop, respx_mock):
    respx_mock.get(URLS["sendgrid"]).mock(return_value=httpx.Response(200, json=OK["sendgrid"]))
    connect("sendgrid")

    response = connect(
        "sendgrid", {"api_key": "", "from_email": "help@fancysocks.example", "region": "global"}
    )

    assert response.status_code == 200
    config = _row(shop, "sendgrid").revealed_config()
    assert config["api_key"] == CONFIGS["sendgrid"]["api_key"]
    assert config["from_email"] == "help@fancysocks.example"
    edit = SettingsAuditEntry.objects.filter(store=shop).order_by("-id").first()
    assert edit.summary == "SendGrid credentials updated"
    assert edit.changes == {
        "from_email": {"old": "support@fancysocks.example", "new": "help@fancysocks.example"}
    }


@pytest.mark.parametrize(
    ("key", "field", "value", "error"),
    [
        ("gorgias", "subdomain", "evil.com/x?", "Use only the subdomain"),
        ("gorgias", "subdomain", "", "This field is required"),
        ("zendesk", "email", "not-an-email", "valid email address"),
        ("stripe", "secret_key", "pk_test_123456789", "start with sk_ or rk_"),
        ("stripe", "secret_key", "sk_test_" + "a" * 300, "at most 255"),
        ("sendgrid", "api_key", "SG.short", "look like SG.xxxx.yyyy"),
        ("intercom", "region", "mars", "Select a valid choice"),
        ("twilio", "account_sid", "AC123", "AC followed by 32"),
        ("twilio", "from_number", "555-1234", "international form"),
        ("front", "api_token", "has spaces in it", "without spaces"),
    ],
)
def test_invalid_credentials_are_form_errors_and_call_nobody(
    connect, shop, respx_mock, key, field, value, error
):
    response = connect(key, {**CONFIGS[key], field: value})

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not IntegrationCredential.objects.exists()
    assert not SettingsAuditEntry.objects.exists()
    assert not respx_mock.calls


def test_a_provider_that_does_not_answer_is_failing(connect, shop, respx_mock):
    respx_mock.get(URLS["front"]).mock(side_effect=httpx.ConnectTimeout("timed out"))

    connect("front")

    row = _row(shop, "front")
    assert row.status == IntegrationStatus.FAILING
    assert "did not answer in time" in row.last_error


@pytest.mark.parametrize(
    ("key", "answer", "message"),
    [
        (
            "zendesk",
            {"user": {"id": None, "name": "Anonymous user", "role": "end-user"}},
            "did not recognise",
        ),
        ("sendgrid", {"scopes": ["alerts.read"]}, "cannot send email"),
        ("twilio", {**OK["twilio"], "status": "suspended"}, "The Twilio account is suspended."),
        ("intercom", {"type": "contact"}, "did not identify an admin"),
    ],
)
def test_an_answer_that_is_not_good_enough_is_failing(
    connect, shop, respx_mock, key, answer, message
):
    respx_mock.get(URLS[key]).mock(return_value=httpx.Response(200, json=answer))

    connect(key)

    row = _row(shop, key)
    assert row.status == IntegrationStatus.FAILING
    assert message in row.last_error


def test_a_provider_error_is_bounded_and_never_echoes_a_token(connect, shop, respx_mock):
    body = {"error": {"message": "bad key sk_live_abcdefghijklmnop " + "x" * 1000}}
    respx_mock.get(URLS["stripe"]).mock(return_value=httpx.Response(500, json=body))

    connect("stripe")

    row = _row(shop, "stripe")
    assert row.last_error == "Stripe had a problem answering. Try again later. (HTTP 500)"
    assert "twilio-auth-token-in-the-answer" not in row.last_error


def test_test_connection_checks_again(
    connect, merchant, shop, respx_mock, eager_tasks, django_capture_on_commit_callbacks
):
    route = respx_mock.get(URLS["stripe"]).mock(
        side_effect=[
            httpx.Response(200, json=OK["stripe"]),
            httpx.Response(401, json=REFUSED["stripe"][1]),
        ]
    )
    connect("stripe")
    assert _row(shop, "stripe").status == IntegrationStatus.CONNECTED

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post("/app/integrations/stripe/test/")

    assert response.status_code == 200
    assert route.call_count == 2
    assert _row(shop, "stripe").status == IntegrationStatus.FAILING


def test_a_pending_check_is_polled_and_shown_as_checking(
    merchant, shop, respx_mock, django_capture_on_commit_callbacks
):
    # No eager tasks: the check is queued for a worker, so the card says so and polls.
    with django_capture_on_commit_callbacks(execute=False):
        response = merchant.post("/app/integrations/stripe/connect/", CONFIGS["stripe"])

    html = response.content.decode()
    assert "Checking…" in html
    assert 'hx-trigger="load delay:1s"' in html
    assert not respx_mock.calls


def test_a_check_overtaken_by_a_newer_request_records_nothing(
    merchant, shop, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        merchant.post("/app/integrations/stripe/connect/", CONFIGS["stripe"])
    row = _row(shop, "stripe")

    def provider_answers_while_the_merchant_saves_a_new_key(url, **kwargs):
        with django_capture_on_commit_callbacks(execute=False):
            integration_connect(
                store=shop,
                actor="74221789523",
                spec=PROVIDERS["stripe"],
                values={"secret_key": "sk_test_newkey0123456789"},
            )
        return httpx.Response(200, json=OK["stripe"], request=httpx.Request("GET", url))

    monkeypatch.setattr(
        "apps.integrations.payments.stripe.connection.get",
        provider_answers_while_the_merchant_saves_a_new_key,
    )

    assert integration_check_run(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.last_checked_at) == (IntegrationStatus.NOT_CONNECTED, None)
    assert integration_check_run(999_999) is None


def test_disconnect_deletes_the_credentials(connect, merchant, shop, respx_mock):
    respx_mock.get(URLS["front"]).mock(return_value=httpx.Response(200, json=OK["front"]))
    connect("front")

    response = merchant.post("/app/integrations/front/disconnect/")
    again = merchant.post("/app/integrations/front/disconnect/")

    assert response.status_code == again.status_code == 200
    assert not IntegrationCredential.objects.filter(store=shop).exists()
    assert 'data-status="not_connected"' in response.content.decode()
    summaries = list(
        SettingsAuditEntry.objects.filter(store=shop).values_list("summary", flat=True)
    )
    assert summaries.count("Front disconnected") == 1


def test_another_store_neither_sees_nor_changes_our_connection(
    connect, rival, shop, other_shop, respx_mock, django_capture_on_commit_callbacks
):
    respx_mock.get(URLS["stripe"]).mock(return_value=httpx.Response(200, json=OK["stripe"]))
    connect("stripe")

    page = rival.get("/app/integrations/").content.decode()
    disconnect = rival.post("/app/integrations/stripe/disconnect/")
    test = rival.post("/app/integrations/stripe/test/")

    assert 'data-provider="stripe" data-status="not_connected"' in page
    assert "ends in" not in page
    assert disconnect.status_code == 200
    assert test.status_code == 404
    assert _row(shop, "stripe").status == IntegrationStatus.CONNECTED
    assert not IntegrationCredential.objects.filter(store=other_shop).exists()


def test_unknown_providers_are_404(merchant):
    assert merchant.get("/app/integrations/myspace/").status_code == 404
    assert merchant.post("/app/integrations/myspace/connect/", {"x": "y"}).status_code == 404
    assert not IntegrationCredential.objects.exists()


def test_a_second_click_while_a_check_is_pending_adds_no_check(
    merchant, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        merchant.post("/app/integrations/stripe/connect/", CONFIGS["stripe"])
    requested = _row(shop, "stripe").check_requested_at

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        merchant.post("/app/integrations/stripe/test/")
        merchant.post("/app/integrations/stripe/test/")

    assert callbacks == []
    assert _row(shop, "stripe").check_requested_at == requested


def test_a_check_that_never_answered_stops_polling_and_can_be_asked_again(
    merchant, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        merchant.post("/app/integrations/stripe/connect/", CONFIGS["stripe"])
    IntegrationCredential.objects.filter(store=shop).update(
        check_requested_at=timezone.now() - timedelta(minutes=5)
    )

    card = merchant.get("/app/integrations/stripe/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        merchant.post("/app/integrations/stripe/test/")

    assert "The last check did not finish" in card
    assert "hx-trigger" not in card
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("key", "plan"), [("gorgias", None), ("twilio", "starter"), ("zendesk", "starter")]
)
def test_a_provider_outside_the_stores_plan_cannot_be_connected(merchant, shop, key, plan):
    if plan:
        subscribed(shop, plan_key=plan)
    response = merchant.post(f"/app/integrations/{key}/connect/", CONFIGS[key])
    assert response.status_code == 403
    assert "Your plan does not include" in response.content.decode()
    assert not IntegrationCredential.objects.filter(store=shop, provider=key).exists()


@pytest.mark.parametrize(
    ("key", "moved", "secret"),
    [
        ("zendesk", {"subdomain": "evil-corp"}, "api_token"),
        ("gorgias", {"subdomain": "evil-corp"}, "api_key"),
        ("intercom", {"region": "us"}, "access_token"),
        ("sendgrid", {"region": "eu"}, "api_key"),
    ],
)
def test_changing_where_a_credential_is_sent_requires_entering_it_again(
    connect, shop, respx_mock, key, moved, secret
):
    respx_mock.get(URLS[key]).mock(return_value=httpx.Response(200, json=OK[key]))
    connect(key)
    before = _row(shop, key).revealed_config()
    calls = len(respx_mock.calls)

    response = connect(key, {**CONFIGS[key], **moved, secret: ""})

    assert response.status_code == 422
    assert "Enter it again" in response.content.decode()
    assert _row(shop, key).revealed_config() == before
    assert len(respx_mock.calls) == calls  # nothing was sent anywhere
    assert SettingsAuditEntry.objects.filter(store=shop).count() == 1  # the first connect


def test_a_moved_credential_entered_again_is_saved_and_checked_at_the_new_address(
    connect, shop, respx_mock
):
    respx_mock.get(URLS["zendesk"]).mock(return_value=httpx.Response(200, json=OK["zendesk"]))
    connect("zendesk")
    moved = respx_mock.get("https://newdesk.zendesk.com/api/v2/users/me.json").mock(
        return_value=httpx.Response(200, json=OK["zendesk"])
    )

    response = connect(
        "zendesk", {**CONFIGS["zendesk"], "subdomain": "newdesk", "api_token": "new-token-0123456"}
    )

    assert response.status_code == 200
    config = _row(shop, "zendesk").revealed_config()
    assert (config["subdomain"], config["api_token"]) == ("newdesk", "new-token-0123456")
    assert moved.call_count == 1


def test_the_service_never_sends_a_stored_secret_to_a_new_destination(connect, shop, respx_mock):
    from apps.dashboard.services.integrations import SecretRequired

    respx_mock.get(URLS["zendesk"]).mock(return_value=httpx.Response(200, json=OK["zendesk"]))
    connect("zendesk")

    with pytest.raises(SecretRequired):
        integration_connect(
            store=shop,
            actor="test",
            spec=PROVIDERS["zendesk"],
            values={**CONFIGS["zendesk"], "subdomain": "evil-corp", "api_token": ""},
        )
    assert _row(shop, "zendesk").revealed_config()["subdomain"] == "fancysocks"
