"""The single-click install's code exchange: POST login.bigcommerce.com/oauth2/token.

BigCommerce requires the exchange before /auth answers (the code is short-lived), so this
is the one outbound call made inside a request, on the install path only.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings

from apps.core.http import http_client

# What the provider uses: orders (read, refunds, status, notes), products, content (pages,
# scripts). Checked against what the merchant granted.
REQUIRED_SCOPES = frozenset({"store_v2_orders", "store_v2_products_read_only", "store_v2_content"})
_EQUIVALENT = {"store_v2_products": "store_v2_products_read_only"}


class InstallError(Exception):
    """The install cannot complete (the message is safe to show the merchant)."""


@dataclass(frozen=True)
class Grant:
    access_token: str
    scopes: frozenset[str]
    store_hash_context: str
    user_id: str
    user_email: str

    def __repr__(self) -> str:
        return f"<Grant context={self.store_hash_context} scopes={sorted(self.scopes)}>"


def redirect_uri() -> str:
    return f"{settings.APP_URL}/bigcommerce/auth"


def exchange_code(*, code: str, scope: str, context: str) -> Grant:
    body = {
        "client_id": settings.BIGCOMMERCE_CLIENT_ID,
        "client_secret": settings.BIGCOMMERCE_CLIENT_SECRET,
        "code": code,
        "context": context,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri(),
    }
    try:
        with http_client() as client:
            response = client.post(f"{settings.BIGCOMMERCE_LOGIN_BASE}/oauth2/token", json=body)
    except httpx.HTTPError as exc:
        raise InstallError("BigCommerce did not answer; please try installing again.") from exc
    if response.status_code != 200:
        raise InstallError("BigCommerce refused the installation; please try again.")
    try:
        found = response.json()
    except ValueError:
        raise InstallError("BigCommerce answered something unexpected.") from None
    token = found.get("access_token") if isinstance(found, dict) else None
    if not isinstance(token, str) or not token:
        raise InstallError("BigCommerce gave no access token.")
    if found.get("context") != context:
        raise InstallError("BigCommerce answered for another store.")
    user = found.get("user") if isinstance(found.get("user"), dict) else {}
    return Grant(
        access_token=token,
        scopes=frozenset(str(found.get("scope") or "").split()),
        store_hash_context=context,
        user_id=str(user.get("id") or ""),
        user_email=str(user.get("email") or "")[:254],
    )


def missing_scopes(granted: frozenset[str]) -> set[str]:
    normalised = {_EQUIVALENT.get(s, s) for s in granted}
    return set(REQUIRED_SCOPES - normalised)
