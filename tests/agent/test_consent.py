"""Consent: only an unambiguous yes to the very proposal acts; negated requests never
become offers; a bare yes or no with nothing pending is not a request."""

from __future__ import annotations

import pytest

from apps.agent.consent import Verdict, is_bare_no, is_bare_yes, judge, negated_request
from apps.agent.state import Pending

CANCEL = Pending(kind="cancel_order", order_id="o-1003", order_name="#1003", amount="120.00")
REFUND = Pending(kind="refund", order_id="o-1002", order_name="#1002", amount="20.00")


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes please",
        "yeah go ahead",
        "sure, cancel it",
        "ok",
        "👍",
        "yes cancel #1003 please",
        "yes, cancel order 1003",
        "absolutely, thanks",
        "no problem, go ahead",
    ],
)
def test_a_plain_yes_to_the_proposal_is_consent(text: str) -> None:
    assert judge(text, CANCEL) is Verdict.YES


@pytest.mark.parametrize(
    "text",
    [
        "yes no",
        "yeah no actually don't",
        "ok wait, no",
        "yes?",
        "yes... actually no",
        "y... n",
        "hmm maybe",
        "I guess so?",
        "sure but later",
        "wait",
        "yes 👎",
        "probably yes",
    ],
)
def test_a_mixed_or_hedged_answer_is_asked_again(text: str) -> None:
    assert judge(text, CANCEL) is Verdict.UNSURE


@pytest.mark.parametrize("text", ["no", "nope, keep it", "don't", "not now", "no thanks", "👎"])
def test_a_plain_no_drops_the_proposal(text: str) -> None:
    assert judge(text, CANCEL) is Verdict.NO


@pytest.mark.parametrize(
    "text",
    [
        "yes but for order 1010 instead",
        "yes, and for 1001 too",
        "yes but refund me 30 dollars instead",
        "where is my other order?",
    ],
)
def test_another_order_amount_or_request_is_not_consent(text: str) -> None:
    assert judge(text, REFUND if "30" in text else CANCEL) is Verdict.OTHER


def test_a_no_with_another_request_is_never_a_yes() -> None:
    assert judge("no, I want a refund instead", CANCEL) in (Verdict.OTHER, Verdict.UNSURE)


def test_the_proposals_own_amount_may_be_repeated() -> None:
    assert judge("yes, refund the 20.00", REFUND) is Verdict.YES
    assert judge("yes refund 25", REFUND) is Verdict.OTHER


def test_words_of_another_kind_of_action_are_not_carried_by_a_yes() -> None:
    assert judge("yes refund it", REFUND) is Verdict.YES
    assert judge("yes change the address", REFUND) is Verdict.UNSURE


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("please DON'T cancel order 1003, I still want it", "cancel_order"),
        ("do not cancel 1003", "cancel_order"),
        ("I do not want a refund, just the tracking", "refund_request"),
        ("I don't need a refund", "refund_request"),
        ("I want an exchange, not a refund", "refund_request"),
        ("I don't want to return it", "return_request"),
        ("I never asked to cancel my order", "cancel_order"),
        ("no need to change the address", "change_address"),
    ],
)
def test_negated_requests_are_recognised(text: str, intent: str) -> None:
    assert negated_request(text, intent)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancel order 1003", "cancel_order"),
        ("I don't see my refund yet", "refund_request"),
        ("I didn't get my refund", "refund_request"),
        ("the jacket doesn't fit, I want to return it", "return_request"),
        ("please refund order 1002", "refund_request"),
        ("where is my order", "order_status"),
    ],
)
def test_requests_that_merely_contain_a_negation_are_not_negated(text: str, intent: str) -> None:
    assert not negated_request(text, intent)


def test_bare_answers_are_told_apart_from_requests() -> None:
    assert is_bare_yes("yes please")
    assert is_bare_yes("ok")
    assert is_bare_yes("👍")
    assert not is_bare_yes("yes refund order 1002")
    assert not is_bare_yes("yes, where is my order")
    assert is_bare_no("no thanks")
    assert is_bare_no("nope")
    assert not is_bare_no("no, refund it")
