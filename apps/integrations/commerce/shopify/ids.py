"""Shopify's ids: the GraphQL Admin API's gids, and the plain numbers REST payloads and
search syntax use. One set for every Shopify path (GraphQL nodes, REST webhooks, privacy
requests), so the same resource always gets the same id."""

from __future__ import annotations


def gid(kind: str, value: int | str | None) -> str:
    """`123` -> `gid://shopify/<kind>/123`; a gid passes through unchanged; anything that is
    not a number (or missing) -> ""."""
    text = "" if value is None else str(value).strip()
    if not text or text.startswith("gid://"):
        return text
    return f"gid://shopify/{kind}/{text}" if text.isdigit() else ""


def gid_tail(value: str) -> str:
    """`gid://shopify/Customer/123` -> `123` (search syntax wants the number); "" otherwise."""
    tail = (value or "").rsplit("/", 1)[-1]
    return tail if tail.isdigit() else ""


def gid_number(value: str) -> int | None:
    """`gid://shopify/Order/123` -> 123."""
    tail = gid_tail(value)
    return int(tail) if tail else None
