"""A helper for the word lists in this package."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (word lists read better as prose)."""
    return frozenset(text.split())
