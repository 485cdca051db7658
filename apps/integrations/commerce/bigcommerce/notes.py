"""Staff notes as the one free text a BigCommerce order gives an app.

Orders have no tags and BigCommerce has no returns API, so both are kept on marked lines
of the staff notes, where the merchant sees them in the control panel:
`[aftersale tags: ai, vip]` (one line, last) and
`[aftersale return R-1a2b3c4d5e6f: 10021x1, 10022x2] reason` (one per return).
"""

from __future__ import annotations

import hashlib
import re

_TAGS = re.compile(r"^\[aftersale tags: (?P<tags>[^\]]*)\]$")
_RETURN = re.compile(r"^\[aftersale return (?P<id>R-[0-9a-f]{12}): (?P<items>[^\]]*)\]")
MAX_NOTES = 60_000


def reference(idempotency_key: str) -> str:
    """A short, stable stand-in for an idempotency key (the key itself stays ours)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


def split_tags(staff_notes: str) -> tuple[str, tuple[str, ...]]:
    lines = staff_notes.splitlines()
    tags: tuple[str, ...] = ()
    kept = []
    for line in lines:
        match = _TAGS.match(line.strip())
        if match:
            tags = tuple(t.strip() for t in match["tags"].split(",") if t.strip())
        else:
            kept.append(line)
    return "\n".join(kept).strip(), tags


def with_note_and_tags(staff_notes: str, note: str, tags: list[str]) -> str:
    text, existing = split_tags(staff_notes)
    merged = list(existing)
    seen = {t.lower() for t in merged}
    for tag in tags:
        clean = tag.strip().replace(",", " ").replace("]", " ")[:40]
        if clean and clean.lower() not in seen:
            merged.append(clean)
            seen.add(clean.lower())
    parts = [p for p in (text, note.strip()) if p]
    if merged:
        parts.append(f"[aftersale tags: {', '.join(merged)}]")
    return "\n".join(parts)


def returns(staff_notes: str) -> dict[str, dict[str, int]]:
    """Return id -> {line item id: quantity} for every return recorded in the notes."""
    found: dict[str, dict[str, int]] = {}
    for line in staff_notes.splitlines():
        match = _RETURN.match(line.strip())
        if not match:
            continue
        items: dict[str, int] = {}
        for part in match["items"].split(","):
            line_id, _, quantity = part.strip().partition("x")
            if line_id.isdigit() and quantity.isdigit():
                items[line_id] = items.get(line_id, 0) + int(quantity)
        found[match["id"]] = items
    return found


def return_line(return_id: str, items: dict[str, int], reason: str) -> str:
    listed = ", ".join(f"{line_id}x{quantity}" for line_id, quantity in items.items())
    clean = " ".join(reason.split())[:300]
    return f"[aftersale return {return_id}: {listed}] {clean}".strip()
