"""Shopify-specific refinements of the commerce errors (callers may catch the base ones)."""

from __future__ import annotations

from typing import Any

from apps.integrations.commerce.base import (
    CommerceError,
    PlatformRejected,
    TransientCommerceError,
)


class ShopifyBusy(TransientCommerceError):
    """Throttled, 429/5xx or unreachable for longer than this caller may wait.

    `retry_after` is our best estimate of when the shop can take the query again.
    """

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShopifyGraphQLError(CommerceError):
    """Top-level `errors` of a response that are neither throttling nor transient."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class QueryTooExpensive(ShopifyGraphQLError):
    """The query asked for more than the single-query cap (MAX_COST_EXCEEDED)."""


def user_error_rejection(errors: list[dict[str, Any]]) -> PlatformRejected:
    """Mutation `userErrors` -> PlatformRejected carrying the first error's message/field/code."""
    first = errors[0]
    field = first.get("field") or []
    field_path = ".".join(str(part) for part in field) if isinstance(field, list) else str(field)
    messages = "; ".join(str(e.get("message") or "rejected") for e in errors)
    return PlatformRejected(messages, code=str(first.get("code") or ""), field=field_path)
