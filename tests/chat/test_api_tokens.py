"""Conversation tokens and client addresses: the small pieces the API's security rests on."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from apps.chat.api.tokens import conversation_token, token_is_valid
from apps.core.clients import client_address


def test_a_token_opens_exactly_its_own_conversation():
    token = conversation_token(store_id=1, conversation_id=2, customer_id="7")

    assert token.startswith("v1.")
    assert len(token) == 46
    assert token_is_valid(token, store_id=1, conversation_id=2, customer_id="7")
    assert not token_is_valid(token, store_id=2, conversation_id=2, customer_id="7")
    assert not token_is_valid(token, store_id=1, conversation_id=3, customer_id="7")
    assert not token_is_valid(token, store_id=1, conversation_id=2, customer_id="")
    assert not token_is_valid(token, store_id=1, conversation_id=2, customer_id="8")


def test_ids_cannot_be_shifted_between_fields():
    # "1.23" and "12.3" must not collide.
    assert conversation_token(store_id=1, conversation_id=23) != conversation_token(
        store_id=12, conversation_id=3
    )


@pytest.mark.parametrize(
    "token", [None, "", "v1.", "v2." + "A" * 43, "v1." + "A" * 42, "v1." + "A" * 44]
)
def test_malformed_tokens_are_invalid(token):
    assert not token_is_valid(token, store_id=1, conversation_id=2)


def test_tokens_survive_a_secret_key_rotation_and_die_after_it():
    with override_settings(SECRET_KEY="old-key-" + "x" * 40):
        old = conversation_token(store_id=1, conversation_id=2)

    with override_settings(
        SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 40]
    ):
        assert token_is_valid(old, store_id=1, conversation_id=2)
    with override_settings(SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]):
        assert not token_is_valid(old, store_id=1, conversation_id=2)


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_socket_address_counts():
    assert client_address(_request("203.0.113.7", "1.1.1.1")) == "203.0.113.7"


@override_settings(CHAT_TRUSTED_PROXY_HOPS=1)
def test_with_one_trusted_proxy_its_view_of_the_client_counts():
    # A client-supplied first entry is ignored; our proxy appended the real address last.
    assert client_address(_request("10.0.0.5", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert client_address(_request("10.0.0.5")) == "10.0.0.5"


def test_the_app_proxy_adds_one_hop():
    request = _request("23.227.38.1", "6.6.6.6, 203.0.113.7")

    assert client_address(request, via_shopify_proxy=True) == "203.0.113.7"


def test_addresses_are_normalised():
    assert client_address(_request("2001:db8::1")) == "2001:db8::/64"
    assert client_address(_request("2001:db8::ffff")) == "2001:db8::/64"
    assert client_address(_request("::ffff:203.0.113.7")) == "203.0.113.7"
    assert client_address(_request("not-an-ip")) == "invalid"
