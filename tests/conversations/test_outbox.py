"""The outbox sends each email/SMS exactly once, through outages and ambiguous failures."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from apps.conversations import outbox
from apps.conversations.models import InboundEndpoint, OutboundMessage
from apps.conversations.models import OutboundStatus as Status
from apps.integrations.connections import registry as connections
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, Store
from standins.messaging import SENDGRID_KEY, TWILIO_SID, TWILIO_TOKEN, MessagingStandIn

pytestmark = pytest.mark.django_db

CUSTOMER = "+15551230001"


@pytest.fixture
def stand_in(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagingStandIn]:  # type: ignore[no-untyped-def]
    with MessagingStandIn() as server:
        settings.MESSAGING_TWILIO_API_BASE = server.url
        settings.MESSAGING_SENDGRID_API_HOST = server.url
        monkeypatch.setitem(connections.CONNECTABLE, "twilio", True)
        monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)
        yield server


def _connect(store: Store, provider: str, config: dict[str, str]) -> None:
    IntegrationCredential.objects.create(
        store=store,
        provider=provider,
        config=Secret(json.dumps(config)),
        status=IntegrationStatus.CONNECTED,
    )


@pytest.fixture
def twilio_store(store: Store, stand_in: MessagingStandIn) -> Store:
    _connect(
        store,
        "twilio",
        {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "from_number": "+15005550006"},
    )
    return store


def _due_now(row: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_queueing_twice_with_one_key_is_one_row_sent_once(
    twilio_store: Store, stand_in: MessagingStandIn, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with (
        mock.patch("apps.conversations.tasks.send_outbound_message.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
        again = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    assert first.pk == again.pk
    delay.assert_called_once_with(first.pk)

    assert outbox.send_outbound(first.pk) == Status.SENT
    assert outbox.send_outbound(first.pk) == "skipped"  # a redelivered task
    first.refresh_from_db()
    assert first.provider == "twilio"
    assert first.provider_message_id == stand_in.state.sms[0]["sid"]
    assert len(stand_in.state.sms) == 1
    token = InboundEndpoint.objects.get(store=twilio_store, channel="sms").token
    assert (
        stand_in.state.sms[0]["status_callback"] == f"{settings.APP_URL}/inbound/sms/{token}/status"
    )


def test_a_500_after_twilio_accepted_sends_no_second_sms(
    twilio_store: Store, stand_in: MessagingStandIn
) -> None:
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    stand_in.state.fail_next(500, accept=True)

    assert outbox.send_outbound(row.pk) == Status.UNCONFIRMED
    assert outbox.send_outbound(row.pk) == "skipped"  # not due yet
    _due_now(row)
    assert outbox.send_outbound(row.pk) == Status.SENT

    row.refresh_from_db()
    assert len(stand_in.state.sms) == 1
    assert row.provider_message_id == stand_in.state.sms[0]["sid"]
    assert row.attempts == 2


def test_an_unconfirmed_sms_that_never_arrived_is_sent_after_the_look_up(
    twilio_store: Store, stand_in: MessagingStandIn
) -> None:
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    stand_in.state.fail_next(502)  # refused without taking it
    assert outbox.send_outbound(row.pk) == Status.UNCONFIRMED
    _due_now(row)
    assert outbox.send_outbound(row.pk) == Status.SENT
    assert len(stand_in.state.sms) == 1


def test_an_outage_queues_and_sends_once_after(
    twilio_store: Store, stand_in: MessagingStandIn, settings
) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.MESSAGING_TWILIO_API_BASE = f"http://127.0.0.1:{probe.getsockname()[1]}"
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    for _ in range(3):
        assert outbox.send_outbound(row.pk) == Status.QUEUED
        assert outbox.due_ids() == []  # backing off
        _due_now(row)
    row.refresh_from_db()
    assert row.error.startswith("unavailable")
    assert outbox.due_ids() == [row.pk]

    settings.MESSAGING_TWILIO_API_BASE = stand_in.url
    assert outbox.send_outbound(row.pk) == Status.SENT
    assert len(stand_in.state.sms) == 1


def test_a_permanent_error_fails_the_row_without_retrying(
    twilio_store: Store, stand_in: MessagingStandIn
) -> None:
    row = outbox.queue_sms(store=twilio_store, to="+15005550004", text="Hi", key="reply-1")
    assert outbox.send_outbound(row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.error.startswith("unsubscribed")
    assert outbox.due_ids() == []


def test_the_attempts_are_bounded(
    twilio_store: Store, stand_in: MessagingStandIn, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_OUTBOX_MAX_ATTEMPTS = 2
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Hi", key="reply-1")
    stand_in.state.fail_next(429)
    stand_in.state.fail_next(429)
    assert outbox.send_outbound(row.pk) == Status.QUEUED
    _due_now(row)
    assert outbox.send_outbound(row.pk) == Status.FAILED


def test_a_row_lost_with_its_worker_is_looked_up_not_resent(
    twilio_store: Store, stand_in: MessagingStandIn
) -> None:
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    assert outbox.send_outbound(row.pk) == Status.SENT
    # As if the worker died after Twilio took it, before the row was saved.
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=Status.SENDING, attempt_started_at=timezone.now() - timedelta(minutes=5)
    )
    assert outbox.send_outbound(row.pk) == Status.SENT
    assert len(stand_in.state.sms) == 1


def test_a_row_being_sent_is_not_claimed_twice(
    twilio_store: Store, stand_in: MessagingStandIn
) -> None:
    row = outbox.queue_sms(store=twilio_store, to=CUSTOMER, text="Shipped.", key="reply-1")
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=Status.SENDING, attempt_started_at=timezone.now()
    )
    assert outbox.send_outbound(row.pk) == "skipped"
    assert outbox.due_ids() == []
    assert stand_in.state.sms == []


def test_an_email_carries_its_threading_headers_and_row_id(
    store: Store, stand_in: MessagingStandIn
) -> None:
    _connect(
        store,
        "sendgrid",
        {"api_key": SENDGRID_KEY, "from_email": "help@shop.example", "region": "global"},
    )
    row = outbox.queue_email(
        store=store,
        to="jane@example.com",
        subject="Re: my order",
        text="It shipped.",
        key="reply-1",
        envelope={"reply_to": "support+abc@in.shop.example", "headers": {"Message-ID": "<o1@x>"}},
    )
    assert outbox.send_outbound(row.pk) == Status.SENT
    [sent] = stand_in.state.emails
    assert sent["body"]["from"] == {"email": "help@shop.example", "name": store.name}
    assert sent["body"]["headers"] == {"Message-ID": "<o1@x>"}
    assert sent["body"]["custom_args"] == {"outbound": str(row.pk), "store": str(store.pk)}
    row.refresh_from_db()
    assert row.provider_message_id == sent["id"]


def test_without_a_provider_the_demo_writes_to_the_console_file(
    store: Store, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.MESSAGING_CONSOLE_DIR = str(tmp_path)
    row = outbox.queue_sms(store=store, to=CUSTOMER, text="Shipped.", key="reply-1")
    assert outbox.send_outbound(row.pk) == Status.SENT
    assert "Shipped." in (tmp_path / "messages.jsonl").read_text()


def test_in_production_nothing_connected_fails_the_row(store: Store, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = settings.TESTING = False
    row = outbox.queue_sms(store=store, to=CUSTOMER, text="Shipped.", key="reply-1")
    assert outbox.send_outbound(row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.error.startswith("not_connected")


def test_a_connection_of_another_store_is_never_used(
    store: Store, other_store: Store, stand_in: MessagingStandIn, settings
) -> None:  # type: ignore[no-untyped-def]
    _connect(
        other_store,
        "twilio",
        {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "from_number": "+15005550006"},
    )
    settings.DEBUG = settings.TESTING = False
    row = outbox.queue_sms(store=store, to=CUSTOMER, text="Shipped.", key="reply-1")
    assert outbox.send_outbound(row.pk) == Status.FAILED
    assert stand_in.state.sms == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_for_one_store_do_not_skip_each_others_rows(
    store: Store, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from django.db import connection, transaction

    settings.MESSAGING_CONSOLE_DIR = str(tmp_path)
    first = outbox.queue_sms(store=store, to=CUSTOMER, text="One.", key="reply-1")
    second = outbox.queue_sms(store=store, to=CUSTOMER, text="Two.", key="reply-2")
    claimed, release = threading.Event(), threading.Event()

    def other_worker() -> None:  # holds its claim on the first row, as a send in flight does
        with transaction.atomic():
            OutboundMessage.objects.select_for_update().select_related("store").get(pk=first.pk)
            claimed.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert claimed.wait(10)
        assert outbox.send_outbound(second.pk) == Status.SENT
    finally:
        release.set()
        thread.join()
