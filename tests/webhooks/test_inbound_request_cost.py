"""What an inbound text or email costs the request: a fixed, small number of queries (a count,
not a time), nothing but the stored event until the worker runs, and the auth token decrypted
once per credential version rather than per request."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, Conversation, InboundReceipt, Message
from apps.integrations.connections import registry as connections
from apps.stores import credential_cache, crypto
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from apps.webhooks.models import WebhookEvent, WebhookStatus
from tests.webhooks.helpers import process_pending_events

pytestmark = pytest.mark.django_db

PUBLIC = "https://aftersale.example.com"
SID = "AC" + "1" * 32
STORE_NUMBER = "+15005550006"
# The store and its credential (one query), the event's INSERT ... ON CONFLICT (one).
REQUEST_QUERIES = 2


@pytest.fixture(autouse=True)
def _setup(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.APP_URL = PUBLIC
    monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)
    monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)
    credential_cache.clear()
    yield
    credential_cache.clear()


def _connect_twilio(store: Store, token: str = "auth-token-1") -> str:
    config = {"account_sid": SID, "auth_token": token, "from_number": STORE_NUMBER}
    IntegrationCredential.objects.update_or_create(
        store=store,
        provider="twilio",
        defaults={"config": Secret(json.dumps(config)), "status": IntegrationStatus.CONNECTED},
    )
    return f"/inbound/sms/{inbound_token(store, Channel.SMS)}"


def _sms(client: Client, path: str, n: int, token: str = "auth-token-1") -> int:
    params = {
        "MessageSid": "SM" + f"{n:032x}",
        "AccountSid": SID,
        "From": "+15551230001",
        "To": STORE_NUMBER,
        "Body": "Where is my order?",
    }
    signature = RequestValidator(token).compute_signature(PUBLIC + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def test_an_inbound_text_costs_the_request_two_queries_and_stores_only_the_event(
    client: Client,
    store: Store,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    path = _connect_twilio(store)
    with django_assert_num_queries(REQUEST_QUERIES):
        assert _sms(client, path, 1) == 200
    with django_assert_num_queries(REQUEST_QUERIES):  # Twilio's retry: the INSERT does nothing
        assert _sms(client, path, 1) == 200

    [event] = WebhookEvent.objects.all()
    assert (event.provider, event.status, event.store_id) == (
        "twilio",
        WebhookStatus.PENDING,
        store.pk,
    )
    assert not Conversation.objects.exists()
    assert not InboundReceipt.objects.exists()

    process_pending_events()
    assert Message.objects.get().text == "Where is my order?"


def test_an_inbound_email_costs_the_request_two_queries(
    client: Client,
    store: Store,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    config = {"api_key": "SG.x", "from_email": "help@shop.example.com", "inbound_domain": "r.e"}
    IntegrationCredential.objects.create(
        store=store,
        provider="sendgrid",
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )
    path = f"/inbound/email/{inbound_token(store, Channel.EMAIL)}"
    form = {
        "headers": "From: Jane <jane@example.com>\nMessage-ID: <m1@x>\n",
        "from": "Jane <jane@example.com>",
        "to": "support@r.e",
        "subject": "My order",
        "text": "Where is it?",
    }
    with django_assert_num_queries(REQUEST_QUERIES):
        assert client.post(path, form).status_code == 200
    assert WebhookEvent.objects.get().provider == "sendgrid"
    assert not Conversation.objects.exists()


def test_the_auth_token_is_decrypted_once_per_version_of_the_credential(
    client: Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda sealed: calls.append(sealed) or real(sealed))
    path = _connect_twilio(store)
    assert [_sms(client, path, n) for n in (1, 2, 3)] == [200, 200, 200]
    assert len(calls) == 1

    # A new auth token is a new ciphertext: used at once, the old one refused at once.
    _connect_twilio(store, token="auth-token-2")
    calls.clear()  # what saving it decrypted
    assert _sms(client, path, 4, token="auth-token-1") == 403
    assert _sms(client, path, 5, token="auth-token-2") == 200
    assert len(calls) == 1


def test_a_disconnected_credential_is_refused_even_while_cached(
    client: Client, store: Store
) -> None:
    path = _connect_twilio(store)
    assert _sms(client, path, 1) == 200
    IntegrationCredential.objects.filter(store=store).update(status=IntegrationStatus.FAILING)
    assert _sms(client, path, 2) == 404
    assert WebhookEvent.objects.count() == 1
