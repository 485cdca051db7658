"""WooCommerce owners sign in by a single-use email link that opens a store session."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.conversations.models import OutboundMessage
from apps.dashboard.store_session import verify_store_session
from apps.stores.models import Store, StoreStatus
from apps.woocommerce_app.models import SignInLink
from apps.woocommerce_app.signin import RATE_PER_EMAIL

pytestmark = pytest.mark.django_db
ASK = "/app/sign-in/woocommerce/"


def _page(content: bytes) -> bytes:
    """The page without what differs per response anyway (the CSP nonce)."""
    return re.sub(rb'nonce="[^"]*"', b"", content)


def _link_path(store: Store) -> str:
    body = OutboundMessage.objects.filter(store=store).latest("pk").body
    match = re.search(r"https?://[^/\s]+(/app/sign-in/woocommerce/[^/\s]+/)", body)
    assert match is not None
    return match.group(1)


def test_the_owner_gets_a_link_that_opens_the_dashboard_once(
    client: Client, woo_store: Store
) -> None:
    assert client.post(ASK, {"email": "Owner@Northwind.example"}).status_code == 200
    path = _link_path(woo_store)

    landing = client.get(path)  # a mail scanner's visit burns nothing
    opened = client.post(path)
    again = client.post(path)

    assert landing.status_code == 200
    assert opened.status_code == 302
    token = parse_qs(urlsplit(opened["Location"]).query)["id_token"][0]
    session, store = verify_store_session(token)
    assert store == woo_store
    assert session.user_id == "owner@northwind.example"
    assert again.status_code == 400


def test_an_address_that_owns_no_store_gets_the_same_answer_and_no_mail(
    client: Client, woo_store: Store
) -> None:
    owner = client.post(ASK, {"email": "owner@northwind.example"})
    stranger = client.post(ASK, {"email": "mallory@example.com"})

    assert owner.status_code == stranger.status_code == 200
    assert _page(owner.content) == _page(stranger.content)
    assert OutboundMessage.objects.count() == 1


def test_an_expired_link_is_refused(client: Client, woo_store: Store) -> None:
    client.post(ASK, {"email": "owner@northwind.example"})
    path = _link_path(woo_store)
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.post(path).status_code == 400


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 42 + "!"])
def test_a_guessed_or_malformed_token_is_refused(
    client: Client, woo_store: Store, token: str
) -> None:
    client.post(ASK, {"email": "owner@northwind.example"})

    response = client.post(reverse("dashboard:woocommerce-sign-in-link", args=[token]))

    assert response.status_code == 400
    assert not SignInLink.objects.filter(used_at__isnull=False).exists()


def test_a_link_of_an_uninstalled_store_opens_nothing(client: Client, woo_store: Store) -> None:
    client.post(ASK, {"email": "owner@northwind.example"})
    path = _link_path(woo_store)
    Store.objects.filter(pk=woo_store.pk).update(status=StoreStatus.UNINSTALLED)

    assert client.post(path).status_code == 400


def test_asking_again_and_again_is_rate_limited(client: Client, woo_store: Store) -> None:
    for _ in range(RATE_PER_EMAIL.count):
        client.post(ASK, {"email": "owner@northwind.example"})

    response = client.post(ASK, {"email": "owner@northwind.example"})

    assert response.status_code == 429
    assert OutboundMessage.objects.count() == RATE_PER_EMAIL.count


def test_only_the_digest_of_a_token_is_stored(client: Client, woo_store: Store) -> None:
    client.post(ASK, {"email": "owner@northwind.example"})
    token = _link_path(woo_store).rstrip("/").rsplit("/", 1)[-1]

    assert not SignInLink.objects.filter(token_hash__contains=token).exists()
