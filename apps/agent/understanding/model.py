"""The intent model: logistic regression blended with naive Bayes (learners.py), trained in
process from data/train.jsonl on first use.

Pure Python, so no heavy dependency; the same data always gives the same model (fixed seed,
sorted features); training takes about a second of CPU and scoring a message well under a
millisecond.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from apps.agent.understanding import learners
from apps.agent.understanding.analysis import tokens_for
from apps.agent.understanding.corrector import Corrector
from apps.agent.understanding.entities.names import PLACE_WORDS
from apps.agent.understanding.features import featurize
from apps.agent.understanding.types import INTENTS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "train.jsonl"
# Naive Bayes log-likelihoods are far too sure of themselves: they are softened by this
# temperature, then given this share of the blend (both chosen on the dev set).
NB_TEMPERATURE = 6.0
NB_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str


def load_examples(path: Path) -> list[Example]:
    examples: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["intent"] not in INTENTS:
                raise ValueError(f"{path.name}:{line_no}: unknown intent {row['intent']!r}")
            examples.append(Example(text=row["text"], intent=row["intent"]))
    return examples


class IntentModel:
    def __init__(self, tokenized: list[tuple[list[str], str]], *, version: str) -> None:
        self.version = version
        vocab = Counter(t for tokens, _ in tokenized for t in tokens)
        known = {w: c for w, c in vocab.items() if c >= 2}
        self.corrector = Corrector(known, protected=PLACE_WORDS)
        data = [(tokens, INTENTS.index(intent)) for tokens, intent in tokenized]
        self._logistic = learners.logistic(data, len(INTENTS))
        self._bayes = learners.naive_bayes(data, len(INTENTS))

    def knows_any_word(self, tokens: list[str]) -> bool:
        """False when no word of the message (after typo correction) was ever seen in training."""
        return any("w:" + t in self._logistic for t in self.corrector.correct_all(tokens))

    def scores(self, tokens: list[str]) -> dict[str, float]:
        """Probability per intent for already-normalised tokens."""
        features = sorted(featurize(self.corrector.correct_all(tokens)))  # fixed summing order
        linear = learners.column_sums(self._logistic, features)
        bayes = learners.column_sums(self._bayes, features)
        if linear is None or bayes is None:
            return {intent: 1.0 / len(INTENTS) for intent in INTENTS}
        p = learners.softmax(linear)
        q = learners.softmax(bayes, NB_TEMPERATURE)
        return {intent: (1 - NB_SHARE) * p[k] + NB_SHARE * q[k] for k, intent in enumerate(INTENTS)}


def build(path: Path = TRAIN_PATH) -> IntentModel:
    raw = path.read_bytes()
    tokenized = [(tokens_for(e.text), e.intent) for e in load_examples(path)]
    return IntentModel(tokenized, version=hashlib.sha256(raw).hexdigest()[:12])


_lock = threading.Lock()
_model: IntentModel | None = None


def get_model() -> IntentModel:
    """The process-wide model, trained once on first use (thread-safe)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = build()
    return _model
