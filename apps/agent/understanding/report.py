"""Accuracy report for the built-in understanding.

    python -m apps.agent.understanding.report                  # dev, evaluation and held-out
    python -m apps.agent.understanding.report FILE.jsonl ...   # {"text","intent"} or eval cases

Prints accuracy, a confusion summary (expected -> predicted, most frequent first) and each miss.
Only the first turn of single-turn cases with an expected intent is scored, as the evaluation
harness does.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from apps.agent.understanding.model import DATA_DIR
from apps.agent.understanding.understand import understand

EVAL_CASES = Path(__file__).resolve().parents[3] / "tests" / "eval" / "cases.jsonl"
# Written before the model was reworked to generalise, and never trained or tuned on.
HELDOUT_PATH = DATA_DIR / "heldout.jsonl"


@dataclass(frozen=True, slots=True)
class Scored:
    accuracy: float
    total: int
    misses: list[tuple[str, str, str]]  # (expected, predicted, text)

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((expected, got) for expected, got, _ in self.misses)


def labelled_messages(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a training-style file or from evaluation cases."""
    pairs: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "text" in row:
            pairs.append((row["text"], row["intent"]))
        elif len(row.get("turns", ())) == 1 and row.get("expect", {}).get("intent"):
            pairs.append((row["turns"][0], row["expect"]["intent"]))
    return pairs


def score(pairs: list[tuple[str, str]]) -> Scored:
    misses = []
    for text, expected in pairs:
        got = understand(text).intent
        if got != expected:
            misses.append((expected, got, text))
    total = len(pairs)
    accuracy = (total - len(misses)) / total if total else 0.0
    return Scored(accuracy, total, misses)


def _print(name: str, scored: Scored) -> None:
    print(f"{name}: {scored.accuracy:.3f} intent accuracy on {scored.total} messages")
    for (expected, got), count in scored.confusion().most_common():
        print(f"  {expected:>16} -> {got:<16} x{count}")
    for expected, got, text in scored.misses:
        print(f"  miss [{expected} -> {got}] {text}")


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [DATA_DIR / "dev.jsonl", EVAL_CASES, HELDOUT_PATH]
    for path in paths:
        if path.exists():
            _print(path.name, score(labelled_messages(path)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
