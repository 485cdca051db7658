"""Typo correction against the training vocabulary (one edit, by symmetric deletion).

A word the classifier has never seen ("refnud", "cancelation", "adresss") is replaced by the most
frequent known word reachable by deleting at most one letter from each side, which covers one
insertion, deletion, substitution or adjacent swap. Short words are left alone: at four letters
and below one edit reaches too many real words.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_LENGTH = 5


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Corrector:
    def __init__(self, counts: dict[str, int]) -> None:
        self._known = counts
        self._index: dict[str, list[str]] = {}
        for word in sorted(counts):
            if len(word) < MIN_LENGTH - 1 or not word.isalpha():
                continue
            for key in _deletes(word) | {word}:
                self._index.setdefault(key, []).append(word)

    def correct(self, word: str) -> str:
        if word in self._known or len(word) < MIN_LENGTH or not word.isalpha():
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
        return [self.correct(w) for w in words]
