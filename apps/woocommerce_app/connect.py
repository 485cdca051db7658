"""Connecting a WooCommerce store through its app-authorization endpoint.

1. The merchant gives us their store URL and email; `connect_start` records a single-use
   state and returns the store's `/wc-auth/v1/authorize` URL. The state travels as
   WooCommerce's `user_id`: opaque, URL-safe (WooCommerce truncates values with `&` or
   URLs in them), signed, and stored only as a digest.
2. After the merchant approves, WooCommerce POSTs the new keys to our callback, unsigned.
   `key_callback_accept` binds them to the state: a state we did not issue, a forged or
   expired one, or one already used is refused (and WooCommerce then deletes the keys it
   just made). Accepting writes the store and its encrypted keys and enqueues the rest
   (webhooks, owner email check) on commit: the callback answers 200 without calling out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.core.netguard import NonPublicAddress, Resolver, public_addresses
from apps.integrations.commerce.woocommerce.credentials import key_pair_pack
from apps.stores.models import (
    IntegrationCredential,
    IntegrationStatus,
    Platform,
    Store,
    StoreStatus,
)
from apps.woocommerce_app.models import ConnectState, WooConnection

STATE_MINUTES = 30
PROVIDER_KEY = "woocommerce"
_HOST = re.compile(r"^(?=.{4,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PATH = re.compile(r"^(/[A-Za-z0-9._~-]{1,60}){0,4}$")
_CONSUMER_KEY = re.compile(r"^ck_[0-9a-f]{40}$")
_CONSUMER_SECRET = re.compile(r"^cs_[0-9a-f]{40}$")
_STATE = re.compile(r"^([A-Za-z0-9_-]{32})\.([0-9a-f]{32})$")
_STATES_PER_DOMAIN = 5


class ConnectError(Exception):
    """Refused; the message is safe to show and to log."""


@dataclass(frozen=True)
class Accepted:
    store: Store
    created: bool


def store_domain(url: str, *, resolver: Resolver | None = None) -> str:
    """`https://Shop.example.com/store/` -> `shop.example.com/store`; ConnectError if it is not
    a public host name (no IPs, ports, credentials or query) that resolves to public
    addresses only, since we will call it. (Each request checks again: netguard.)"""
    raw = (url or "").strip()
    if len(raw) > 300:
        raise ConnectError("That store address is too long.")
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if (
        parts.scheme not in ("http", "https")
        or parts.username
        or parts.password
        or parts.port
        or parts.query
        or not _HOST.match(host)
        or host.endswith((".local", ".internal", ".localhost"))
        or not _PATH.match(path)
    ):
        raise ConnectError("Enter your store's address, like https://shop.example.com.")
    if not settings.WOOCOMMERCE_ALLOW_LOCAL_HOSTS:
        try:
            public_addresses(host, 443, resolver=resolver)
        except NonPublicAddress:
            raise ConnectError(
                "We can't reach that address on the public internet. Check the store's address."
            ) from None
    return f"{host}{path}"


def connect_start(*, store_url: str, owner_email: str) -> str:
    """The authorize URL to send the merchant to. Raises ConnectError."""
    domain = store_domain(store_url)
    nonce = secrets.token_urlsafe(24)
    with transaction.atomic():
        ConnectState.objects.create(
            domain=domain,
            owner_email=owner_email.strip().lower()[:254],
            nonce_hash=_digest(nonce),
            expires_at=timezone.now() + timedelta(minutes=STATE_MINUTES),
        )
        _prune(domain)
    query = urlencode(
        {
            "app_name": "Aftersale",
            "scope": "read_write",
            "user_id": f"{nonce}.{_signature(nonce)}",
            "return_url": _absolute(reverse("woocommerce_app:returned")),
            "callback_url": _absolute(reverse("woocommerce_app:callback")),
        }
    )
    return f"https://{domain}/wc-auth/v1/authorize?{query}"


def key_callback_accept(payload: Any) -> Accepted:
    """Bind WooCommerce's key POST to the state it carries; store the keys. Raises
    ConnectError for anything but a fresh state we issued with well-formed keys."""
    if not isinstance(payload, dict):
        raise ConnectError("Expected a JSON object.")
    state = _state_row(payload.get("user_id"))
    key, secret = str(payload.get("consumer_key") or ""), str(payload.get("consumer_secret") or "")
    if not _CONSUMER_KEY.match(key) or not _CONSUMER_SECRET.match(secret):
        raise ConnectError("The keys are not WooCommerce REST keys.")
    if payload.get("key_permissions") != "read_write":
        raise ConnectError("Aftersale needs read/write access to act on orders.")
    now = timezone.now()
    with transaction.atomic():
        claimed = ConnectState.objects.filter(
            pk=state.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            raise ConnectError("This connection request was already used or has expired.")
        store, created = _store_upsert(state.domain, key, secret)
        ConnectState.objects.filter(pk=state.pk).update(store=store)
        connection, _ = WooConnection.objects.get_or_create(store=store)
        connection.key_id = str(payload.get("key_id") or "")[:40]
        connection.key_permissions = "read_write"
        connection.save(update_fields=["key_id", "key_permissions", "updated_at"])
        _secrets_ensure(store)
        transaction.on_commit(lambda: _finish_later(state.pk))
    return Accepted(store, created)


def _state_row(value: object) -> ConnectState:
    match = _STATE.match(str(value or "")[:100])
    if not match or not hmac.compare_digest(match.group(2), _signature(match.group(1))):
        raise ConnectError("Unknown connection request.")
    state = ConnectState.objects.filter(nonce_hash=_digest(match.group(1))).first()
    if state is None:
        raise ConnectError("Unknown connection request.")
    return state


def _store_upsert(domain: str, key: str, secret: str) -> tuple[Store, bool]:
    store = (
        Store.objects.select_for_update()
        .filter(platform=Platform.WOOCOMMERCE, domain=domain)
        .first()
    )
    created = store is None
    if store is None:
        store = Store(platform=Platform.WOOCOMMERCE, domain=domain, name=domain)
    store.access_token = key_pair_pack(consumer_key=key, consumer_secret=secret)
    store.status = StoreStatus.INSTALLED
    store.installed_at = timezone.now()
    store.uninstalled_at = None
    store.needs_reauth = False
    store.granted_scopes = "read_write"
    store.save()
    return store, created


def _secrets_ensure(store: Store) -> None:
    """A per-store webhook secret, kept across reconnects. The claim secret is the
    plugin's (storefront.claim_secret_set): kept, never made here."""
    row = (
        IntegrationCredential.objects.select_for_update()
        .filter(store=store, provider=PROVIDER_KEY)
        .first()
    )
    held = row.revealed_config() if row is not None else {}
    config = {**held, "webhook_secret": held.get("webhook_secret") or secrets.token_urlsafe(32)}
    if row is None:
        row = IntegrationCredential(store=store, provider=PROVIDER_KEY)
    row.config = _json(config)
    row.hint = "webhook secret" + (" and customer-claim secret" if "claim_secret" in held else "")
    row.status = IntegrationStatus.CONNECTED
    row.connected_at = row.connected_at or timezone.now()
    row.save()


def _finish_later(state_id: int) -> None:
    from apps.woocommerce_app.tasks import finish_connect

    finish_connect.delay(state_id)


def _prune(domain: str) -> None:
    """At most a few open states per store URL: the open form cannot fill the table."""
    keep = ConnectState.objects.filter(domain=domain, used_at__isnull=True).order_by("-pk")
    stale = list(keep.values_list("pk", flat=True)[_STATES_PER_DOMAIN:])
    ConnectState.objects.filter(pk__in=stale).delete()
    ConnectState.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()


def _signature(nonce: str) -> str:
    return salted_hmac("woocommerce-connect-state", nonce, algorithm="sha256").hexdigest()[:32]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _absolute(path: str) -> str:
    return f"{settings.APP_URL.rstrip('/')}{path}"


def _json(value: dict[str, str]) -> str:
    return json.dumps(value)
