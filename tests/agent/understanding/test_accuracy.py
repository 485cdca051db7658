"""The evaluation cases and the dev set, scored with understand() alone."""

from __future__ import annotations

import json

from apps.agent.understanding import INTENTS
from apps.agent.understanding.model import DATA_DIR
from apps.agent.understanding.report import EVAL_CASES, HELDOUT_PATH, labelled_messages, score


def test_eval_cases_reach_95_percent_intent_accuracy() -> None:
    pairs = labelled_messages(EVAL_CASES)
    assert len(pairs) >= 240
    result = score(pairs)
    assert result.accuracy >= 0.95, result.misses


def test_dev_set_reaches_93_percent_intent_accuracy() -> None:
    result = score(labelled_messages(DATA_DIR / "dev.jsonl"))
    assert result.accuracy >= 0.93, result.misses


def test_every_intent_is_evaluated_with_many_phrasings() -> None:
    intents = [intent for _, intent in labelled_messages(EVAL_CASES)]
    counts = {i: intents.count(i) for i in INTENTS}
    assert min(counts.values()) >= 15, counts


def test_eval_cases_follow_the_harness_format() -> None:
    ids = []
    for line in EVAL_CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        ids.append(case["id"])
        assert isinstance(case["turns"], list)
        assert case["turns"]
        assert set(case["customer"]) >= {"email", "logged_in"}
        if "intent" in case.get("expect", {}):
            assert case["expect"]["intent"] in INTENTS
    assert len(ids) == len(set(ids))


def test_the_heldout_set_stays_above_its_floor() -> None:
    # Held-out phrasings, never trained on: 80.0% before the lexicon and concepts that fold
    # unseen words onto known ones, 95.4% after. The floor sits a little under the figure so
    # an unrelated retraining does not flap; the report (python -m
    # apps.agent.understanding.report) prints the exact figure.
    result = score(labelled_messages(HELDOUT_PATH))
    assert result.total >= 400
    assert result.accuracy >= 0.94, result.misses
