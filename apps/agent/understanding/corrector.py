"""Typo correction against the training vocabulary (one edit, by symmetric deletion), and
splitting of run-together words.

A word the classifier has never seen ("refnud", "cancelation", "adresss") is replaced by the most
frequent known word reachable by deleting at most one letter from each side, which covers one
insertion, deletion, substitution or adjacent swap. Short words are left alone: at four letters
and below one edit reaches too many real words.

A word still unknown after that is split when it is two or three known words written together
("tocheck", "paymentmethods", "wheresmyorder"): customers on phones drop spaces often, and the
parts carry all of the meaning the whole never had in training.
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.agent.understanding.lexicon import SYNONYMS, VARIANTS
from apps.agent.understanding.text import rewrite

MIN_LENGTH = 5
MIN_SPLIT_LENGTH = 6  # shorter unknown words are far likelier typos than two words
MAX_SPLIT_LENGTH = 30  # longer "words" are noise; splitting them would only cost time
MAX_PARTS = 3
_SHORT_PARTS = frozenset({"i", "a", "u"})  # the only one-letter words a split may produce


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Corrector:
    def __init__(self, counts: dict[str, int], protected: frozenset[str] = frozenset()) -> None:
        self._known = counts
        self._protected = protected  # real words training may lack: never "corrected"
        self._index: dict[str, list[str]] = {}
        for word in sorted(counts):
            if len(word) < MIN_LENGTH - 1 or not word.isalpha():
                continue
            for key in _deletes(word) | {word}:
                self._index.setdefault(key, []).append(word)

    def correct(self, word: str) -> str:
        if word in self._known or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if word in self._protected:
            return word
        candidates: set[str] = set()
        for key in _deletes(word) | {word}:
            candidates.update(self._index.get(key, ()))
        candidates = {c for c in candidates if c[0] == word[0] or len(word) >= 7}
        if not candidates:
            return word
        # Most frequent first; ties broken alphabetically so the choice is deterministic.
        return min(candidates, key=lambda c: (-self._known[c], c))

    def correct_all(self, words: Iterable[str]) -> list[str]:
        """Each word corrected, or split into its known parts when it is several words."""
        out: list[str] = []
        for word in words:
            fixed = self.correct(word)
            parts = None if fixed in self._known else self.split(fixed)
            if parts is None:
                out.append(fixed)
            else:
                out.extend(t for part in parts for t in rewrite(part))
        return out

    def split(self, word: str) -> list[str] | None:
        """`word` as the fewest known words written together, or None.

        Ties go to the split whose rarest part is most common in training (deterministic).
        """
        if not MIN_SPLIT_LENGTH <= len(word) <= MAX_SPLIT_LENGTH:
            return None
        if not word.isalpha() or word in self._known or word in self._protected:
            return None
        best: tuple[int, int, list[str]] | None = None
        for parts in self._splits(word, MAX_PARTS):
            key = (len(parts), -min(self._count(p) for p in parts))
            if best is None or key < best[:2]:
                best = (key[0], key[1], parts)
        return best[2] if best else None

    def _splits(self, word: str, budget: int) -> Iterable[list[str]]:
        if self._is_word(word):
            yield [word]
        if budget < 2:
            return
        for i in range(1, len(word)):
            head = word[:i]
            if self._is_word(head):
                for rest in self._splits(word[i:], budget - 1):
                    yield [head, *rest]

    def _is_word(self, part: str) -> bool:
        if len(part) == 1:
            return part in _SHORT_PARTS
        return part in self._known or part in VARIANTS or part in SYNONYMS

    def _count(self, part: str) -> int:
        return self._known.get(part, 1)
