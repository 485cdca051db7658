"""Twilio with a Standard API key: texts are sent as the account but authenticated with the
key, the connection check tries both the Auth Token and the key, and the Auth Token stays what
inbound signatures are checked with."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx
from django.test import Client
from twilio.request_validator import RequestValidator

from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel
from apps.integrations.connections import registry as connections
from apps.integrations.messaging.base import CREDENTIALS, PermanentError, Sms
from apps.integrations.messaging.registry import sms_sender
from apps.integrations.messaging.twilio.connection import API, FIELDS, check_connection
from apps.integrations.messaging.twilio.sender import TwilioSender
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from standins.messaging import (
    TWILIO_API_KEY_SECRET,
    TWILIO_API_KEY_SID,
    TWILIO_SID,
    TWILIO_TOKEN,
    MessagingStandIn,
)

SMS = Sms(to="+15551230001", from_number="+15005550006", body="Your order shipped.")
KEYED = {
    "account_sid": TWILIO_SID,
    "auth_token": TWILIO_TOKEN,
    "api_key_sid": TWILIO_API_KEY_SID,
    "api_key_secret": TWILIO_API_KEY_SECRET,
    "from_number": "+15005550006",
}


@pytest.fixture
def stand_in() -> Iterator[MessagingStandIn]:
    with MessagingStandIn() as server:
        yield server


def test_a_text_sent_with_an_api_key_is_authenticated_as_the_key(
    stand_in: MessagingStandIn,
) -> None:
    sender = TwilioSender(
        account_sid=TWILIO_SID,
        api_key_sid=TWILIO_API_KEY_SID,
        api_key_secret=TWILIO_API_KEY_SECRET,
        api_base=stand_in.url,
    )
    sent = sender.send_sms(SMS)
    [message] = stand_in.state.sms
    assert (message["sid"], message["account_sid"]) == (sent.message_id, TWILIO_SID)
    assert stand_in.state.sms_senders[sent.message_id] == TWILIO_API_KEY_SID
    # The look-up after an ambiguous failure goes through the key too.
    assert sender.find_sms(SMS, since=message_time(stand_in)) is not None


def message_time(stand_in: MessagingStandIn):  # type: ignore[no-untyped-def]
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(stand_in.state.sms[0]["date_created"])


def test_a_wrong_key_secret_is_a_permanent_credentials_error(stand_in: MessagingStandIn) -> None:
    sender = TwilioSender(
        account_sid=TWILIO_SID,
        api_key_sid=TWILIO_API_KEY_SID,
        api_key_secret="not-the-secret",
        api_base=stand_in.url,
    )
    with pytest.raises(PermanentError) as caught:
        sender.send_sms(SMS)
    assert caught.value.reason == CREDENTIALS
    assert stand_in.state.sms == []


@pytest.mark.django_db
def test_the_stores_sender_uses_its_key_when_one_is_saved(
    store: Store,
    stand_in: MessagingStandIn,
    settings,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)
    settings.MESSAGING_TWILIO_API_BASE = stand_in.url
    IntegrationCredential.objects.create(
        store=store,
        provider="twilio",
        config=Secret(json.dumps(KEYED)),
        status=IntegrationStatus.CONNECTED,
    )
    found = sms_sender(store)
    assert found is not None
    sent = found[0].send_sms(SMS)
    assert stand_in.state.sms_senders[sent.message_id] == TWILIO_API_KEY_SID


@pytest.mark.django_db
def test_inbound_texts_are_still_checked_with_the_auth_token(
    client: Client,
    store: Store,
    settings,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)
    settings.APP_URL = "https://aftersale.example.com"
    IntegrationCredential.objects.create(
        store=store,
        provider="twilio",
        config=Secret(json.dumps(KEYED)),
        status=IntegrationStatus.CONNECTED,
    )
    path = f"/inbound/sms/{inbound_token(store, Channel.SMS)}"
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": TWILIO_SID,
        "From": "+15551230001",
        "To": "+15005550006",
        "Body": "Hi",
    }

    def post(secret: str) -> int:
        signature = RequestValidator(secret).compute_signature(settings.APP_URL + path, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code

    assert post(TWILIO_API_KEY_SECRET) == 403
    assert post(TWILIO_TOKEN) == 200


def _basic(user: str, password: str) -> str:
    return httpx.BasicAuth(user, password)._auth_header


def _mock_twilio(router: respx.MockRouter, *, key_status: int = 200) -> None:
    def account(request: httpx.Request) -> httpx.Response:
        ok = (
            request.headers["Authorization"]
            == httpx.BasicAuth(TWILIO_SID, TWILIO_TOKEN)._auth_header
        )
        return httpx.Response(200 if ok else 401, json={"sid": TWILIO_SID, "status": "active"})

    router.get(f"{API}/Accounts/{TWILIO_SID}.json").mock(side_effect=account)
    body = {"messages": [], "page_size": 1} if key_status == 200 else {"code": 20003}
    router.get(f"{API}/Accounts/{TWILIO_SID}/Messages.json").mock(
        return_value=httpx.Response(key_status, json=body)
    )


def test_the_check_tries_the_auth_token_and_then_the_key() -> None:
    with respx.mock(assert_all_called=True) as router:
        _mock_twilio(router)
        result = check_connection(KEYED)
        key_call = router.calls[-1].request
    assert result.ok
    assert "API key …" + TWILIO_API_KEY_SID[-4:] in result.message
    assert (
        key_call.headers["Authorization"]
        == httpx.BasicAuth(TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET)._auth_header
    )
    assert key_call.url.params["PageSize"] == "1"


def test_a_refused_key_or_half_a_key_fails_the_check() -> None:
    with respx.mock(assert_all_called=False) as router:
        _mock_twilio(router, key_status=401)
        refused = check_connection(KEYED)
        half = check_connection({**KEYED, "api_key_secret": ""})
        no_key = check_connection({**KEYED, "api_key_sid": "", "api_key_secret": ""})
    assert not refused.ok
    assert "API key was refused" in refused.message
    assert (half.ok, half.message) == (
        False,
        "Enter both the API key SID and its secret, or neither.",
    )
    assert no_key.ok


def test_the_form_says_the_auth_token_is_needed_even_with_a_key() -> None:
    by_name = {f.name: f for f in FIELDS}
    assert by_name["auth_token"].required
    assert "even if you send with an API key" in by_name["auth_token"].help
    assert "signs" in by_name["auth_token"].help
    assert not by_name["api_key_sid"].required
    assert not by_name["api_key_secret"].required
    assert by_name["api_key_secret"].secret
    assert by_name["api_key_sid"].problem("SK" + "0" * 32) == ""
    assert by_name["api_key_sid"].problem("AC" + "0" * 32) != ""
