"""`make demo` answers a sample email and SMS through the console provider: a newcomer sees
what would be sent, in the inbox and in the console file."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.conversations.models import Channel, OutboundMessage

pytestmark = pytest.mark.django_db


def test_the_demo_answers_one_email_and_one_sms(
    demo_store, settings, django_capture_on_commit_callbacks, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.MESSAGING_CONSOLE_DIR = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_messages", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_messages", stdout=open("/dev/null", "w"))  # noqa: SIM115  twice: once

    rows = OutboundMessage.objects.filter(store=demo_store).order_by("channel")
    assert [(r.channel, r.recipient) for r in rows] == [
        (Channel.EMAIL, "jane@example.com"),
        (Channel.SMS, "+15550101001"),
    ]
    email = rows[0]
    assert email.envelope["headers"]["In-Reply-To"] == "<demo-sample-1@mail.example.com>"
    assert "in transit" in email.body
