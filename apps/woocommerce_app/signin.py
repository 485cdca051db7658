"""Merchant sign-in for WooCommerce stores: a single-use email link to the store's owner.

There is no platform admin to vouch for the merchant (Shopify's session tokens,
BigCommerce's load JWT), so we trust an address the store itself names as its owner's:
the one given at sign-up, kept only when the store's own settings carry it (its "from"
address or its new-order recipients), read with the store's keys. A link is
- 32 random bytes, stored as its SHA-256 only, so the table holds nothing usable;
- good once (a conditional UPDATE claims it) and for LINK_MINUTES;
- sent only to an owner address, with the same answer whether or not one matched, so
  the form cannot tell anyone which addresses own which store;
- rate-limited per client address and per email.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.conversations.outbox import queue_email
from apps.core.ratelimit import Rate, seconds_to_wait
from apps.stores.models import Platform, Store, StoreStatus
from apps.woocommerce_app.models import SignInLink, WooConnection

LINK_MINUTES = 15
RATE_PER_ADDRESS = Rate(10, 600)
RATE_PER_EMAIL = Rate(3, 600)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class SignInError(Exception):
    pass


def sign_in_request(*, email: str, client_address: str) -> int:
    """Send a link to every store this address owns. Returns the seconds to wait when
    rate-limited (0 otherwise); the caller answers the same either way."""
    email = email.strip().lower()[:254]
    wait = seconds_to_wait(
        (f"woo-signin:addr:{client_address}", RATE_PER_ADDRESS),
        (f"woo-signin:email:{_digest(email)}", RATE_PER_EMAIL),
    )
    if wait:
        return wait
    for connection in WooConnection.objects.select_related("store").filter(
        store__platform=Platform.WOOCOMMERCE, store__status=StoreStatus.INSTALLED
    ):
        if email in connection.owner_emails:
            sign_in_link_send(store=connection.store, email=email)
    return 0


def sign_in_link_send(*, store: Store, email: str) -> None:
    """Queue one sign-in email (the outbox sends it once, from a worker)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = SignInLink.objects.create(
            store=store,
            email=email,
            token_hash=_digest(token),
            expires_at=timezone.now() + timedelta(minutes=LINK_MINUTES),
        )
        path = reverse("dashboard:woocommerce-sign-in-link", args=[token])
        url = f"{settings.APP_URL.rstrip('/')}{path}"
        queue_email(
            store=store,
            to=email,
            subject=f"Sign in to Aftersale for {store.name or store.domain}",
            text=(
                f"Open this link within {LINK_MINUTES} minutes to sign in to Aftersale for "
                f"{store.domain}:\n\n{url}\n\nIt works once. If you did not ask for it, "
                "ignore this email."
            ),
            key=f"woo-signin:{link.pk}",
        )


def sign_in_link_use(token: str) -> SignInLink:
    """The fresh, unused link (with its store); SignInError otherwise. Single use."""
    if not _TOKEN.match(token or ""):
        raise SignInError("This sign-in link is not valid.")
    digest = _digest(token)
    link = SignInLink.objects.select_related("store").filter(token_hash=digest).first()
    # The lookup is by digest; comparing again in constant time costs nothing and keeps the
    # check independent of how the database compares strings.
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        raise SignInError("This sign-in link is not valid.")
    now = timezone.now()
    claimed = SignInLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise SignInError("This sign-in link was already used or has expired.")
    if not link.store.is_installed:
        raise SignInError("This store is no longer connected.")
    return link


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
