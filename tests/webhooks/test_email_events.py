"""SendGrid's signed Event Webhook: ECDSA P-256 verified with the store's key, fresh, each
sg_event_id applied once, scoped to the store."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from apps.conversations import outbox
from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, InboundReceipt, OutboundMessage, OutboundStatus
from apps.integrations.connections import registry as connections
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store

pytestmark = pytest.mark.django_db


def _key_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


PRIVATE, PUBLIC_KEY = _key_pair()


@pytest.fixture(autouse=True)
def _connectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)


def _connect(store: Store, public_key: str = PUBLIC_KEY) -> str:
    config = {"api_key": "SG.x", "from_email": "help@shop.example", "event_webhook_key": public_key}
    IntegrationCredential.objects.create(
        store=store,
        provider="sendgrid",
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )
    return f"/inbound/email/{inbound_token(store, Channel.EMAIL)}/events"


def _post(
    client: Client,
    path: str,
    events: list[dict[str, object]],
    *,
    key: ec.EllipticCurvePrivateKey = PRIVATE,
    at: float | None = None,
    tamper: bool = False,
) -> object:
    body = json.dumps(events)
    timestamp = str(int(at if at is not None else time.time()))
    signature = key.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))
    if tamper:
        body = body.replace("delivered", "bounce")
    return client.generic(
        "POST",
        path,
        body,
        content_type="application/json",
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE=base64.b64encode(signature).decode(),
        HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP=timestamp,
    )


def _sent(store: Store, message_id: str) -> OutboundMessage:
    row = outbox.queue_email(
        store=store, to="jane@example.com", subject="Re", text="Hi", key=message_id
    )
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENT, provider="sendgrid", provider_message_id=message_id
    )
    return row


def _event(message_id: str, event: str, event_id: str) -> dict[str, object]:
    return {
        "email": "jane@example.com",
        "event": event,
        "sg_event_id": event_id,
        "sg_message_id": f"{message_id}.filterdrecv-5645d9c87f-6r2ch-1-5DE9B3A7-1.0",
        "timestamp": int(time.time()),
    }


def test_a_signed_delivered_event_marks_the_row_delivered(client: Client, store: Store) -> None:
    path = _connect(store)
    row = _sent(store, "abc123")
    assert (
        _post(
            client, path, [_event("abc123", "processed", "e0"), _event("abc123", "delivered", "e1")]
        ).status_code
        == 204
    )
    row.refresh_from_db()
    assert row.status == OutboundStatus.DELIVERED


def test_a_bounce_is_recorded_and_a_repeated_event_applied_once(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    row = _sent(store, "abc123")
    batch = [_event("abc123", "bounce", "e1")]
    _post(client, path, batch)
    _post(client, path, batch)  # SendGrid's retry
    row.refresh_from_db()
    assert row.status == OutboundStatus.BOUNCED
    assert InboundReceipt.objects.filter(external_id="event:e1").count() == 1


@pytest.mark.parametrize("forge", ["other_key", "tampered", "stale", "future"])
def test_a_forged_or_replayed_batch_is_refused_and_changes_nothing(
    client: Client, store: Store, forge: str
) -> None:
    path = _connect(store)
    row = _sent(store, "abc123")
    batch = [_event("abc123", "delivered", "e1")]
    if forge == "other_key":
        response = _post(client, path, batch, key=_key_pair()[0])
    elif forge == "tampered":
        response = _post(client, path, batch, tamper=True)
    elif forge == "stale":  # a captured request replayed later
        response = _post(client, path, batch, at=time.time() - 600)
    else:
        response = _post(client, path, batch, at=time.time() + 600)
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert not InboundReceipt.objects.exists()


def test_events_cannot_touch_another_stores_rows(
    client: Client, store: Store, other_store: Store
) -> None:
    _connect(store)
    other_path = _connect(other_store)  # same key, another store's URL
    row = _sent(store, "abc123")
    _post(client, other_path, [_event("abc123", "delivered", "e1")])
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT


def test_without_a_verification_key_events_are_not_accepted(client: Client, store: Store) -> None:
    path = _connect(store, public_key="")
    assert _post(client, path, [_event("abc123", "delivered", "e1")]).status_code == 404
