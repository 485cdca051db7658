"""The Shopify client's token source: this app's token lifecycle, in the client's terms.

Registered once at start-up (ShopifyAppConfig.ready) so that the client in
apps.integrations never imports the install code above it.
"""

from __future__ import annotations

from apps.core.locks import LockTimeout
from apps.integrations.commerce.base import ReauthorizationRequired
from apps.integrations.commerce.shopify.errors import ShopifyBusy
from apps.shopify_app.errors import NeedsReauthorization, TokenEndpointUnavailable
from apps.shopify_app.tokens import access_token_for, refresh_after_unauthorized
from apps.stores.models import Store


class InstalledStoreTokens:
    """The store's own offline token, refreshed ahead of expiry and after a 401."""

    def access_token(self, store: Store) -> str:
        try:
            return access_token_for(store)
        except NeedsReauthorization as exc:
            raise ReauthorizationRequired(str(exc)) from None
        except (TokenEndpointUnavailable, LockTimeout):
            raise ShopifyBusy("could not get a Shopify access token right now") from None

    def refreshed_after_unauthorized(self, store: Store, rejected: str) -> str:
        try:
            return refresh_after_unauthorized(store, rejected)
        except NeedsReauthorization as exc:
            raise ReauthorizationRequired(str(exc)) from None
        except (TokenEndpointUnavailable, LockTimeout):
            raise ShopifyBusy("could not refresh the Shopify access token right now") from None
