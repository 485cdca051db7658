"""Shop domains: non-ASCII is refused before any normalisation could fold it into ASCII."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.conversations.models import Conversation
from apps.shopify_app.models import OAuthState
from apps.shopify_app.security import InvalidShopDomain, normalise_shop_domain
from apps.shopify_app.session_tokens import (
    SessionTokenError,
    SessionTokenFailure,
    decode_session_token,
)
from apps.stores.models import Platform
from tests.chat.chat_api import post_json, proxy_params, proxy_url
from tests.factories import StoreFactory
from tests.shopify_app.conftest import make_session_token

KELVIN = "\u212a"  # lower-cases to ASCII "k"
DOTLESS_I = "\u0130"  # lower-cases to "i" + a combining dot


@pytest.mark.parametrize(
    "value",
    [
        f"{KELVIN}shop.myshopify.com",
        f"{KELVIN}SHOP.MYSHOPIFY.COM",
        f"sh{DOTLESS_I}p.myshopify.com",
        "kshop.myshopify.com\u00a0",  # a no-break space that strip() would remove
        "kshop\uff0emyshopify.com",  # a full-width dot
    ],
    ids=["kelvin", "kelvin-upper", "dotted-i", "nbsp", "fullwidth-dot"],
)
def test_non_ascii_is_refused_before_lower_casing(value):
    with pytest.raises(InvalidShopDomain):
        normalise_shop_domain(value)


def test_ascii_shops_are_still_normalised():
    assert normalise_shop_domain("  KShop.MyShopify.com ") == "kshop.myshopify.com"


@pytest.mark.django_db
def test_install_refuses_a_look_alike_of_a_real_shop():
    response = Client().get("/shopify/install", {"shop": f"{KELVIN}shop.myshopify.com"})

    assert response.status_code == 400
    assert OAuthState.objects.count() == 0


def test_a_session_token_for_a_look_alike_shop_host_is_refused():
    token = make_session_token(
        "kshop.myshopify.com",
        iss=f"https://{KELVIN}shop.myshopify.com/admin",
        dest=f"https://{KELVIN}shop.myshopify.com",
    )
    with pytest.raises(SessionTokenError) as caught:
        decode_session_token(token)
    assert caught.value.reason == SessionTokenFailure.ISSUER


@pytest.mark.django_db
def test_the_app_proxy_does_not_serve_a_look_alike_shop(client):
    store = StoreFactory(domain="kshop.myshopify.com", platform=Platform.SHOPIFY)
    params = proxy_params(store, shop=f"{KELVIN}shop.myshopify.com")

    response = post_json(client, proxy_url("conversations", params), {})

    assert response.status_code == 401
    assert Conversation.objects.count() == 0
