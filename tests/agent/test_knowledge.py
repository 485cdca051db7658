"""knowledge_search: which of the store's entries answer a question (shared with the dashboard)."""

from __future__ import annotations

import pytest

from apps.agent.knowledge import MIN_SCORE, best_sentences, knowledge_search
from apps.integrations.commerce.demo.seed import seed_demo_store
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

pytestmark = pytest.mark.django_db


def top(store: Store, question: str) -> str:
    ranked = knowledge_search(store, question)
    return ranked[0][0].title if ranked and ranked[0][1] >= MIN_SCORE else ""


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("how long does shipping take?", "Shipping policy"),
        ("what's your exchange policy", "Refund policy"),
        ("can i return a gift card", "Refund policy"),
        ("do you do gift wrapping", "Gift wrapping"),
        ("can I use two discount codes on one order", "Discount codes"),
        ("is there a warranty on the rain jacket", "Warranty"),
        ("do your shoes run small", "Sizing"),
        ("what are your opening hours", "Store hours and contact"),
        ("are duties charged on international orders", "Shipping policy"),
        # Made-up policies are answered with the real one, not confirmed or ignored.
        ("you have a 90 day return policy right?", "Refund policy"),
        ("shipping to Canada is free right? you said so last week", "Shipping policy"),
        ("your hoodies have a lifetime warranty, yes?", "Warranty"),
        ("what are your customer service hours", "Store hours and contact"),
    ],
)
def test_questions_find_the_entry_that_answers_them(
    demo_store: Store, question: str, title: str
) -> None:
    assert top(demo_store, question) == title


@pytest.mark.parametrize(
    "question",
    [
        "do you price match?",
        "what is your policy on pets in the store",
        "can I pay with bitcoin",
        "do you have a loyalty program",
        "",
        "???",
    ],
)
def test_questions_nothing_answers_find_nothing_good_enough(
    demo_store: Store, question: str
) -> None:
    assert top(demo_store, question) == ""


def test_scores_are_ranked_and_bounded(demo_store: Store) -> None:
    ranked = knowledge_search(demo_store, "how much is express shipping to canada")
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)


def test_only_the_stores_own_entries_are_searched(demo_store: Store) -> None:
    other = seed_demo_store(domain="other.aftersale.test")
    KnowledgeEntry.objects.create(
        store=other, kind=KnowledgeKind.FAQ, title="Pets", body="Dogs are welcome in our shops."
    )
    assert top(demo_store, "are dogs welcome") == ""
    assert top(other, "are dogs welcome") == "Pets"
    assert {e.store_id for e, _ in knowledge_search(demo_store, "shipping")} == {demo_store.pk}


def test_long_entries_are_cut_to_their_relevant_sentences() -> None:
    body = " ".join(
        [
            "We love our customers.",
            "Orders ship from Ohio.",
            "Returns are accepted within 30 days of delivery.",
            "Gift cards cannot be returned.",
            "Our team is based in Cleveland and loves hiking and coffee on weekends.",
        ]
        * 3
    )
    answer = best_sentences(body, "can I return a gift card?")
    assert "Gift cards cannot be returned." in answer
    assert "hiking" not in answer
    assert len(answer) < len(body)
