"""Beyond the intent: refusals, several asks, close calls, run-together words."""

from __future__ import annotations

import pytest

from apps.agent.understanding import understand
from apps.agent.understanding.clauses import MAX_CLAUSES, split_clauses
from apps.agent.understanding.model import get_model
from apps.agent.understanding.negation import refused_intents
from apps.agent.understanding.understand import CLARIFY_MARGIN


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("I do NOT want a refund, just the tracking", ("refund_request",)),
        ("please don't cancel, I still want it", ("cancel_order",)),
        ("no need to cancel anything", ("cancel_order",)),
        ("I'm not looking for a reimbursement", ("refund_request",)),
        ("I don't want an exchange, cancel it", ("return_request",)),
        ("I don't want to talk to a person", ("human_handoff",)),
    ],
)
def test_it_finds_what_the_customer_turns_down(text: str, refused: tuple[str, ...]) -> None:
    assert refused_intents(text) == refused


@pytest.mark.parametrize(
    "text",
    [
        "I have not received my refund",  # a missing refund, not a refusal
        "not only a refund, I also want an apology",
        "cancel my order",
        "please refund me",
    ],
)
def test_reporting_or_asking_is_not_turning_down(text: str) -> None:
    assert refused_intents(text) == ()


def test_a_refused_action_is_never_the_intent() -> None:
    u = understand("I do NOT want a refund, just the tracking")
    assert u.refused == ("refund_request",)
    assert u.intent != "refund_request"
    assert "refund_request" not in u.scores
    assert u.intent == "order_status"


def test_refusing_a_person_is_not_a_handoff() -> None:
    u = understand("I don't want to talk to a person, just tell me where my order is")
    assert not u.wants_human
    assert u.intent == "order_status"


def test_please_dont_cancel_is_not_a_cancellation() -> None:
    u = understand("please don't cancel, I need to change the address to 5 Oak St")
    assert u.intent == "change_address"
    assert u.refused == ("cancel_order",)


def test_several_asks_are_all_named_main_first() -> None:
    u = understand("cancel #1002, and also where is #1001?")
    assert u.requests == ("cancel_order", "order_status")
    assert u.requests[0] == u.intent


def test_one_ask_names_no_further_requests() -> None:
    assert understand("where is my order #1001, it's late").requests == ()


def test_clauses_are_bounded() -> None:
    text = ". ".join(f"question number {n} here" for n in range(20))
    assert len(split_clauses(text)) == MAX_CLAUSES


def test_the_target_order_and_the_amount_are_kept_as_written() -> None:
    u = understand("refund $35.50 for order #1003 please")
    assert u.target_order == "1003"
    assert u.amount_as_written == "$35.50"
    assert understand("hello").target_order is None
    assert understand("hello").amount_as_written is None


def test_a_close_call_between_near_intents_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    model = get_model()

    def scores(tokens: list[str]) -> dict[str, float]:
        return {"policy_question": 0.45, "refund_request": 0.4, "other": 0.15}

    monkeypatch.setattr(model, "scores", scores)
    u = understand("refunds for sale items?")
    assert u.unsure_between == ("policy_question", "refund_request")


def test_a_clear_margin_or_a_far_pair_is_not_a_close_call(monkeypatch: pytest.MonkeyPatch) -> None:
    model = get_model()
    table = {"policy_question": 0.45, "greeting": 0.4, "other": 0.15}
    monkeypatch.setattr(model, "scores", lambda tokens: table)
    assert understand("refunds for sale items?").unsure_between == ()
    table.update({"policy_question": 0.8, "refund_request": 0.1, "greeting": 0.05})
    assert understand("refunds for sale items?").unsure_between == ()
    assert CLARIFY_MARGIN < 0.5


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("tocheck", ["to", "check"]),
        ("paymentmethods", ["payment", "methods"]),
        ("wheresmyorder", ["where", "is", "my", "order"]),
        ("cancelorder", ["cancel", "order"]),
    ],
)
def test_run_together_words_are_split_into_known_words(word: str, parts: list[str]) -> None:
    assert get_model().corrector.correct_all([word]) == parts


@pytest.mark.parametrize("word", ["wholesale", "xylophone", "a" * 40, "refundd"])
def test_known_unknown_or_huge_words_are_not_split(word: str) -> None:
    assert len(get_model().corrector.correct_all([word])) == 1


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("reimbursement policy for sale items?", "policy_question"),
        ("I'd like to lodge a reclamation about the torn sofa", "complaint"),
        ("payment modalities accepted?", "policy_question"),
        ("is there a termination charge if I stop the membership", "policy_question"),
        ("where's the rebate you promised me last week", "refund_status"),
    ],
)
def test_synonyms_carry_their_meaning(text: str, intent: str) -> None:
    assert understand(text).intent == intent
