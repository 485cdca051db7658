"""What a customer handed to the team is told about when people answer."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.agent.tasks import handle_message
from apps.chat.services import message_add_customer
from apps.conversations.models import Conversation, MessageRole
from apps.stores.models import Store
from apps.stores.team_hours import availability_sentence, next_opening

NY = ZoneInfo("America/New_York")
HOURS = {"days": "12345", "opens": time(9), "closes": time(17), "zone": NY}


def at(weekday: int, hour: int, minute: int = 0) -> datetime:
    """A moment in New York on the given ISO weekday (a week of 2026: nothing compares it
    with the real clock)."""
    monday = datetime(2026, 3, 2, tzinfo=NY)
    return monday + timedelta(days=weekday - 1, hours=hour, minutes=minute)


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (at(2, 10), "Our team is in now (Mon–Fri 09:00–17:00, America/New_York time)."),
        (at(2, 7, 30), "Our team is back today at 09:00"),
        (at(2, 18), "Our team is back tomorrow at 09:00"),
        (at(5, 17), "Our team is back Monday at 09:00"),
        (at(6, 12), "Our team is back Monday at 09:00"),
    ],
)
def test_the_customer_is_told_when_people_answer(now: datetime, said: str):
    assert availability_sentence(now=now, **HOURS).startswith(said)


def test_no_working_day_or_an_empty_day_promises_no_time():
    assert availability_sentence(now=at(2, 10), **{**HOURS, "days": ""}) == ""
    assert next_opening(now=at(2, 10), **{**HOURS, "opens": time(17), "closes": time(9)}) is None


@pytest.mark.django_db
def test_a_customer_who_asks_for_a_person_hears_when_the_team_is_back(store: Store):
    store.timezone = "America/New_York"
    store.save(update_fields=["timezone"])
    now = datetime.now(NY)
    saturday = (now + timedelta(days=(6 - now.isoweekday()) % 7)).replace(hour=12, minute=0)
    conversation = Conversation.objects.create(store=store)
    with time_machine.travel(saturday, tick=False):
        message = message_add_customer(conversation, "I want to talk to a person please")
        handle_message(message.pk)
    reply = conversation.messages.get(role=MessageRole.ASSISTANT).text
    assert "a person will reply" in reply.lower()
    assert reply.endswith(
        "Our team is back Monday at 09:00 (Mon–Fri 09:00–17:00, America/New_York time)."
    )
