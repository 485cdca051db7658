"""Answers to what the agent asked (`awaiting`), yes/no flags and requests for a person."""

from __future__ import annotations

import pytest

from apps.agent.understanding import understand
from apps.agent.understanding.rules import wants_human, yes_no


@pytest.mark.parametrize("text", ["1001", "#1001", "it's 1001", "sure, order no. 1001 thanks"])
def test_an_order_number_answers_and_keeps_the_intent(text: str) -> None:
    u = understand(text, previous_intent="cancel_order", awaiting="order_number")
    assert (u.intent, u.answers, u.source) == ("cancel_order", "order_number", "answer")
    assert u.entities.order_numbers == ("1001",)


def test_an_email_answers_when_an_order_number_was_asked() -> None:
    u = understand(
        "I don't have it, my email is jane@x.com",
        previous_intent="order_status",
        awaiting="order_number",
    )
    assert (u.intent, u.answers) == ("order_status", "order_number")
    assert u.entities.emails == ("jane@x.com",)


def test_an_email_answers_an_email_question() -> None:
    u = understand("jane@x.com", previous_intent="refund_status", awaiting="email")
    assert (u.intent, u.answers, u.confidence) == ("refund_status", "email", 1.0)


@pytest.mark.parametrize(
    ("text", "affirmative", "negative"),
    [
        ("yes please", True, False),
        ("ok do it", True, False),
        ("Yeah go ahead", True, False),
        ("sure", True, False),
        ("👍", True, False),
        ("nope", False, True),
        ("no thanks, keep it", False, True),
        ("not really", False, True),
    ],
)
def test_a_yes_or_no_answers_a_confirmation(text: str, affirmative: bool, negative: bool) -> None:
    u = understand(text, previous_intent="cancel_order", awaiting="confirmation")
    assert (u.intent, u.answers) == ("cancel_order", "confirmation")
    assert (u.is_affirmative, u.is_negative) == (affirmative, negative)


def test_any_named_confirmation_awaits_a_yes_or_no() -> None:
    u = understand("yes", previous_intent="order_status", awaiting="handoff_confirmation")
    assert (u.answers, u.is_affirmative) == ("handoff_confirmation", True)


def test_a_new_request_is_not_an_answer() -> None:
    u = understand(
        "no, I'd rather get a refund for the whole thing",
        previous_intent="cancel_order",
        awaiting="confirmation",
    )
    assert u.answers is None
    assert u.intent == "refund_request"
    assert u.is_negative


def test_a_new_intent_with_the_awaited_number_is_classified_afresh() -> None:
    u = understand(
        "actually I want to cancel order 1001",
        previous_intent="order_status",
        awaiting="order_number",
    )
    assert (u.intent, u.answers) == ("cancel_order", None)
    assert u.entities.order_numbers == ("1001",)


def test_a_message_without_the_awaited_thing_is_not_an_answer() -> None:
    u = understand("where is my parcel", previous_intent="order_status", awaiting="email")
    assert u.answers is None
    assert u.intent == "order_status"


def test_free_text_answers_an_address_question() -> None:
    u = understand(
        "42 Elm Street, Springfield IL 62704", previous_intent="change_address", awaiting="address"
    )
    assert (u.intent, u.answers) == ("change_address", "address")


def test_asking_for_a_person_wins_over_an_awaited_answer() -> None:
    u = understand(
        "1001 but I want a human", previous_intent="order_status", awaiting="order_number"
    )
    assert (u.intent, u.answers, u.wants_human) == ("human_handoff", None, True)


def test_a_greeting_is_not_an_answer() -> None:
    u = understand("hello", previous_intent="order_status", awaiting="address")
    assert (u.intent, u.answers) == ("greeting", None)


def test_a_bare_order_number_without_context_is_an_order_status() -> None:
    assert understand("#1001").intent == "order_status"
    assert understand("#1001", previous_intent="return_request").intent == "return_request"


def test_a_bare_yes_without_awaiting_keeps_the_topic() -> None:
    u = understand("yes", previous_intent="cancel_order")
    assert (u.intent, u.answers, u.is_affirmative) == ("cancel_order", None, True)
    assert understand("yes").intent == "other"


def test_an_unknown_previous_intent_is_ignored() -> None:
    u = understand("1001", previous_intent="steal_data", awaiting="order_number")
    assert u.intent == "order_status"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wrong item sent", (False, False)),
        ("don't have my order number", (False, False)),
        ("ok so my order hasn't arrived", (True, False)),
        ("right", (True, False)),
        ("wrong", (False, True)),
        ("", (False, False)),
    ],
)
def test_yes_no_reads_only_openers_and_whole_answers(
    text: str, expected: tuple[bool, bool]
) -> None:
    assert yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("speak to a human", True),
        ("can I talk to a real person", True),
        ("agent please", True),
        ("representative", True),
        ("put me through to customer service", True),
        ("are you a robot? I want a person", True),
        ("can someone call me back", True),
        ("are you a real person?", False),
        ("is this a bot", False),
        ("the agent who delivered it was rude", False),
        ("where is my order", False),
    ],
)
def test_it_recognises_requests_for_a_person(text: str, expected: bool) -> None:
    assert wants_human(text) is expected
