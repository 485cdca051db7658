"""Typed failures of the Shopify install and token lifecycle.

Messages are safe to log and to show: they never carry a token, a code or a secret.
"""

from __future__ import annotations


class ShopifyAuthError(Exception):
    """Base of every install/token failure raised by apps.shopify_app."""


class TokenEndpointUnavailable(ShopifyAuthError):
    """Shopify's token endpoint could not answer usefully right now (network, 5xx, 429,
    an unreadable body). Transient: nothing was stored, try again later."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenRequestRefused(ShopifyAuthError):
    """Shopify refused the grant (4xx with an OAuth error code). Permanent for this grant."""

    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(message)
        self.error = error


class InvalidSubjectToken(TokenRequestRefused):
    """Token exchange refused the session token: App Bridge must retry with a fresh one."""


class NeedsReauthorization(ShopifyAuthError):
    """We hold no usable credential for this store (refresh refused, uninstalled, no token).

    The store is flagged `needs_reauth`; the merchant re-opening the app (token exchange)
    is the only way back.
    """
