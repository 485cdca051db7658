"""A phone number on SMS is a claim: it counts as the phone factor only together with the order
number, as on the web, and never reveals more than the web chat would."""

from __future__ import annotations

import pytest

from apps.agent.pipeline import run_turn
from apps.chat.services import receive_sms
from apps.integrations.commerce.demo import seed_demo_store

pytestmark = pytest.mark.django_db

JANES_PHONE = "+15550101001"  # on order #1001 in the demo store
STORE_NUMBER = "+15005550006"


def _answer(sender: str, text: str, sid: str) -> str:
    store = seed_demo_store()
    message = receive_sms(
        store=store,
        message_sid="SM" + sid * 32,
        customer=sender,
        store_number=STORE_NUMBER,
        body=text,
    )
    assert message is not None
    return run_turn(message).reply.text


def test_the_phone_on_the_order_with_its_number_shows_the_order() -> None:
    assert "in transit" in _answer(JANES_PHONE, "where is order 1001", "a")


def test_another_phone_with_the_order_number_sees_nothing() -> None:
    reply = _answer("+15550109999", "where is order 1001", "b")
    assert "in transit" not in reply
    assert "Hoodie" not in reply


def test_the_phone_alone_shows_no_order() -> None:
    reply = _answer(JANES_PHONE, "where is my order", "c")
    assert "in transit" not in reply
    assert "1001" not in reply
