"""The refunds held in an order snapshot: merging what each source knows, and what follows
from them (the refunded total and quantities). Provider-neutral: entries are the snapshot's
refund dicts (`id`, `amount`, `currency`, `created_at`, `line_items`, ...)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


def merge_refunds(
    held: Iterable[Mapping[str, Any]] | None, incoming: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Union by refund id. A platform never deletes a refund, so none we knew may vanish
    because a payload was serialised before it existed; and a refund we hold keeps what
    only we knew about it (the agent's `idempotency_key`, quantities another source did
    not fetch) when the platform's version of it arrives."""
    merged = {str(r.get("id")): dict(r) for r in held or () if isinstance(r, Mapping)}
    for refund in incoming:
        previous = merged.get(str(refund.get("id")), {})
        combined = {**previous, **refund}
        if not refund.get("line_items") and previous.get("line_items"):
            combined["line_items"] = previous["line_items"]
        merged[str(refund.get("id"))] = combined
    return sorted(merged.values(), key=lambda r: (str(r.get("created_at") or ""), str(r["id"])))


def refunds_total(refunds: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(r.get("amount") or "0")) for r in refunds), ZERO)


def with_refunded_quantities(
    line_items: Iterable[Mapping[str, Any]], refunds: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    refunded: dict[str, int] = defaultdict(int)
    for refund in refunds:
        for item in refund.get("line_items") or ():
            refunded[str(item["id"])] += int(item.get("quantity") or 0)
    return [{**item, "refunded_quantity": refunded.get(str(item["id"]), 0)} for item in line_items]
