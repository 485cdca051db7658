"""One contract every messaging provider passes: SendGrid and Twilio through their official SDKs
against the local stand-in (standins/messaging), and the console provider the demo uses."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from apps.integrations.messaging.base import (
    CREDENTIALS,
    INVALID_RECIPIENT,
    RATE_LIMITED,
    UNSUBSCRIBED,
    AmbiguousError,
    Email,
    EmailSender,
    PermanentError,
    Sms,
    SmsSender,
    TransientError,
)
from apps.integrations.messaging.console.sender import ConsoleSender
from apps.integrations.messaging.sendgrid.sender import SendGridSender
from apps.integrations.messaging.twilio.sender import TwilioSender
from standins.messaging import (
    INVALID_EMAIL_DOMAIN,
    SENDGRID_KEY,
    TWILIO_SERVICE_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    MessagingStandIn,
)

EMAIL = Email(
    to="jane@example.com",
    from_email="support@northwind.example",
    from_name="Northwind Outfitters",
    subject="Re: Where is my order?",
    text="Your order #1001 shipped yesterday.",
    html="<p>Your order #1001 shipped yesterday.</p>",
    reply_to="support+c0ffee@inbound.northwind.example",
    headers={"Message-ID": "<out-1@aftersale.example>", "In-Reply-To": "<in-1@mail.example>"},
    tags={"outbox": "41"},
)
SMS = Sms(to="+15551230001", from_number="+15005550006", body="Your order #1001 shipped yesterday.")


@dataclass
class Harness:
    """A provider and what its far side received, in one shape for the assertions."""

    sender: Any
    received: Callable[[], list[dict[str, Any]]]
    stand_in: MessagingStandIn | None = None


@pytest.fixture
def stand_in() -> Iterator[MessagingStandIn]:
    with MessagingStandIn() as server:
        yield server


def _sendgrid(stand_in: MessagingStandIn, tmp_path: Path) -> Harness:
    def received() -> list[dict[str, Any]]:
        out = []
        for email in stand_in.state.emails:
            body = email["body"]
            content = {part["type"]: part["value"] for part in body["content"]}
            out.append(
                {
                    "id": email["id"],
                    "to": body["personalizations"][0]["to"][0]["email"],
                    "from_email": body["from"]["email"],
                    "from_name": body["from"].get("name", ""),
                    "subject": body["subject"],
                    "text": content.get("text/plain"),
                    "html": content.get("text/html"),
                    "reply_to": body.get("reply_to", {}).get("email", ""),
                    "headers": body.get("headers", {}),
                    "tags": body.get("custom_args", {}),
                }
            )
        return out

    return Harness(SendGridSender(api_key=SENDGRID_KEY, host=stand_in.url), received, stand_in)


def _twilio(stand_in: MessagingStandIn, tmp_path: Path) -> Harness:
    def received() -> list[dict[str, Any]]:
        return [
            {"id": m["sid"], "to": m["to"], "from_number": m["from"], "body": m["body"]}
            for m in stand_in.state.sms
        ]

    sender = TwilioSender(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, api_base=stand_in.url)
    return Harness(sender, received, stand_in)


def _console(stand_in: MessagingStandIn, tmp_path: Path) -> Harness:
    sender = ConsoleSender(tmp_path / "outbox")
    return Harness(sender, sender.records)


EMAIL_PROVIDERS = {"sendgrid": _sendgrid, "console": _console}
SMS_PROVIDERS = {"twilio": _twilio, "console": _console}


@pytest.fixture(params=sorted(EMAIL_PROVIDERS))
def email_provider(
    request: pytest.FixtureRequest, stand_in: MessagingStandIn, tmp_path: Path
) -> Harness:
    return EMAIL_PROVIDERS[request.param](stand_in, tmp_path)


@pytest.fixture(params=sorted(SMS_PROVIDERS))
def sms_provider(
    request: pytest.FixtureRequest, stand_in: MessagingStandIn, tmp_path: Path
) -> Harness:
    return SMS_PROVIDERS[request.param](stand_in, tmp_path)


# ---------------------------------------------------------------- every provider


def test_an_email_is_sent_whole_and_its_id_comes_back(email_provider: Harness) -> None:
    assert isinstance(email_provider.sender, EmailSender)
    sent = email_provider.sender.send_email(EMAIL)

    [got] = email_provider.received()
    assert sent.message_id
    assert sent.message_id == got["id"]
    for name in ("to", "from_email", "from_name", "subject", "text", "html", "reply_to"):
        assert got[name] == getattr(EMAIL, name)
    assert got["headers"] == dict(EMAIL.headers)
    assert got["tags"] == dict(EMAIL.tags)


def test_an_sms_is_sent_and_found_again_by_its_content(sms_provider: Harness) -> None:
    assert isinstance(sms_provider.sender, SmsSender)
    before = datetime.now(UTC) - timedelta(seconds=1)
    sent = sms_provider.sender.send_sms(SMS)

    [got] = sms_provider.received()
    assert sent.message_id
    assert sent.message_id == got["id"]
    assert (got["to"], got["from_number"], got["body"]) == (SMS.to, SMS.from_number, SMS.body)
    assert sms_provider.sender.find_sms(SMS, since=before) == sent
    assert sms_provider.sender.find_sms(replace(SMS, body="Something else"), since=before) is None
    assert sms_provider.sender.find_sms(replace(SMS, to="+15551230002"), since=before) is None


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Hello\r\nBcc: everyone@example.com"},  # header injection
        {"from_name": "Northwind\nReply-To: thief@example.com"},
        {"to": "not an address"},
        {"to": "jane@example.com, thief@example.com"},
        {"text": "x" * 100_001},
        {"subject": ""},
        {"headers": {"Bcc": "thief@example.com"}},  # only our threading headers
        {"tags": {"outbox": "41\r\nX-Other: 1"}},
    ],
)
def test_an_email_that_must_not_go_out_is_refused_before_the_provider(
    email_provider: Harness, change: dict[str, Any]
) -> None:
    with pytest.raises(PermanentError):
        email_provider.sender.send_email(replace(EMAIL, **change))
    assert email_provider.received() == []


@pytest.mark.parametrize(
    "change",
    [
        {"to": "5551230001"},
        {"to": "+1 555 123"},
        {"from_number": "shop"},
        {"body": ""},
        {"body": "x" * 1601},
    ],
)
def test_an_sms_that_must_not_go_out_is_refused_before_the_provider(
    sms_provider: Harness, change: dict[str, Any]
) -> None:
    with pytest.raises(PermanentError):
        sms_provider.sender.send_sms(replace(SMS, **change))
    assert sms_provider.received() == []


# ---------------------------------------------------------------- remote providers: errors


REMOTE = {"sendgrid": (_sendgrid, "send_email", EMAIL), "twilio": (_twilio, "send_sms", SMS)}


@pytest.fixture(params=sorted(REMOTE))
def remote(
    request: pytest.FixtureRequest, stand_in: MessagingStandIn, tmp_path: Path
) -> tuple[Harness, Callable[[Any], Any], Any]:
    build, method, message = REMOTE[request.param]
    harness = build(stand_in, tmp_path)
    return harness, getattr(harness.sender, method), message


def test_a_rate_limit_is_transient_and_nothing_was_sent(remote: tuple[Harness, Any, Any]) -> None:
    harness, send, message = remote
    assert harness.stand_in is not None
    harness.stand_in.state.fail_next(429)
    with pytest.raises(TransientError) as caught:
        send(message)
    assert not isinstance(caught.value, AmbiguousError)
    assert caught.value.reason == RATE_LIMITED
    assert harness.received() == []
    send(message)  # the next try goes through
    assert len(harness.received()) == 1


def test_a_server_error_is_ambiguous(remote: tuple[Harness, Any, Any]) -> None:
    harness, send, message = remote
    assert harness.stand_in is not None
    harness.stand_in.state.fail_next(500, accept=True)
    with pytest.raises(AmbiguousError):
        send(message)
    assert len(harness.received()) == 1  # it was taken: the caller must look before resending


def test_an_unreachable_provider_is_transient_not_ambiguous(
    stand_in: MessagingStandIn, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    senders = [
        (SendGridSender(api_key=SENDGRID_KEY, host=dead).send_email, EMAIL),
        (
            TwilioSender(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, api_base=dead).send_sms,
            SMS,
        ),
    ]
    for send, message in senders:
        with pytest.raises(TransientError) as caught:
            send(message)
        assert not isinstance(caught.value, AmbiguousError)


def test_refused_credentials_are_permanent(stand_in: MessagingStandIn) -> None:
    sendgrid = SendGridSender(api_key="SG.wrong-key-0123456789.abcdefghijklmnop", host=stand_in.url)
    twilio = TwilioSender(account_sid=TWILIO_SID, auth_token="wrong", api_base=stand_in.url)
    for send, message in ((sendgrid.send_email, EMAIL), (twilio.send_sms, SMS)):
        with pytest.raises(PermanentError) as caught:
            send(message)
        assert caught.value.reason == CREDENTIALS
    assert stand_in.state.emails == stand_in.state.sms == []


def test_an_invalid_recipient_is_permanent(stand_in: MessagingStandIn, tmp_path: Path) -> None:
    sendgrid = _sendgrid(stand_in, tmp_path).sender
    twilio = _twilio(stand_in, tmp_path).sender
    with pytest.raises(PermanentError) as caught:
        sendgrid.send_email(replace(EMAIL, to=f"jane@{INVALID_EMAIL_DOMAIN}"))
    assert caught.value.reason == INVALID_RECIPIENT
    with pytest.raises(PermanentError) as caught:
        twilio.send_sms(replace(SMS, to="+15005550001"))
    assert (caught.value.reason, caught.value.provider_code) == (INVALID_RECIPIENT, "21211")


def test_an_unsubscribed_number_is_permanent(stand_in: MessagingStandIn, tmp_path: Path) -> None:
    with pytest.raises(PermanentError) as caught:
        _twilio(stand_in, tmp_path).sender.send_sms(replace(SMS, to="+15005550004"))
    assert (caught.value.reason, caught.value.provider_code) == (UNSUBSCRIBED, "21610")


def test_twilio_accepting_then_answering_500_is_found_by_the_look_up(
    stand_in: MessagingStandIn, tmp_path: Path
) -> None:
    sender = _twilio(stand_in, tmp_path).sender
    before = datetime.now(UTC) - timedelta(seconds=1)
    stand_in.state.fail_next(500, accept=True)
    with pytest.raises(AmbiguousError):
        sender.send_sms(SMS)
    found = sender.find_sms(SMS, since=before)
    assert found is not None
    assert found.message_id == stand_in.state.sms[0]["sid"]


def test_twilio_through_a_messaging_service_sends_without_a_from_and_finds_it_again(
    stand_in: MessagingStandIn,
) -> None:
    sender = TwilioSender(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        api_base=stand_in.url,
        messaging_service_sid="MG" + "0" * 32,
    )
    before = datetime.now(UTC) - timedelta(seconds=1)
    stand_in.state.fail_next(500, accept=True)
    with pytest.raises(AmbiguousError):
        sender.send_sms(SMS)
    found = sender.find_sms(SMS, since=before)
    assert found is not None
    assert found.message_id == stand_in.state.sms[0]["sid"]
    assert stand_in.state.sms[0]["from"] == TWILIO_SERVICE_NUMBER
    assert stand_in.state.sms[0]["messaging_service_sid"] == "MG" + "0" * 32
