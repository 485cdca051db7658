"""Character spans already claimed by one extractor, so the next one does not read them again."""

from __future__ import annotations


class Claims:
    """A set of [start, end) spans over one text; small, so a list scan is fastest."""

    __slots__ = ("_spans",)

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._spans)

    def claim(self, start: int, end: int) -> bool:
        """Claim the span if no part of it is taken; return whether it was claimed."""
        if not self.free(start, end):
            return False
        self._spans.append((start, end))
        return True

    def spans(self) -> list[tuple[int, int]]:
        return sorted(self._spans)


def mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each (start, end, token) span of `text` with ` token `."""
    out: list[str] = []
    pos = 0
    for start, end, token in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(f" {token} ")
        pos = end
    out.append(text[pos:])
    return "".join(out)
