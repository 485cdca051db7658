"""Inbound SMS end to end through a real Celery worker: the signed text is answered by the agent
and the reply leaves the outbox exactly once (the console provider in the worker: Twilio is
not connectable yet, and a worker cannot see a test's monkeypatching)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from apps.conversations.inbound import inbound_token
from apps.conversations.models import Channel, OutboundMessage, OutboundStatus
from apps.integrations.commerce.demo import seed_demo_store
from apps.integrations.connections import registry as connections
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus

pytestmark = pytest.mark.worker

PUBLIC = "https://aftersale.example.com"
SID = "AC" + "1" * 32
TOKEN = "auth-token-of-the-store"
CUSTOMER = "+15551230001"


@pytest.fixture
def console_dir(tmp_path: Path) -> Path:
    return tmp_path / "console"


@pytest.fixture
def celery_worker_env(console_dir: Path) -> dict[str, str]:
    return {"MESSAGING_CONSOLE_DIR": str(console_dir), "APP_URL": PUBLIC}


def test_a_text_is_answered_by_sms_once(
    celery_worker_process, client: Client, settings, monkeypatch, console_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.APP_URL = PUBLIC
    monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)  # this process verifies
    store = seed_demo_store()
    IntegrationCredential.objects.create(
        store=store,
        provider="twilio",
        config=Secret(
            json.dumps({"account_sid": SID, "auth_token": TOKEN, "from_number": "+15005550006"})
        ),
        status=IntegrationStatus.CONNECTED,
    )
    path = f"/inbound/sms/{inbound_token(store, Channel.SMS)}"
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": SID,
        "From": CUSTOMER,
        "To": "+15005550006",
        "Body": "where is my order",
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)  # Twilio's retry

    celery_worker_process.wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.SENT).exists(),
        what="the SMS reply sent",
    )
    [row] = OutboundMessage.objects.all()
    assert (row.channel, row.recipient, row.provider) == (Channel.SMS, CUSTOMER, "console")
    lines = (console_dir / "messages.jsonl").read_text().splitlines()
    assert len(lines) == 1
    sent = json.loads(lines[0])
    assert sent["to"] == CUSTOMER
    assert "order number" in sent["body"]
    assert "**" not in sent["body"]
