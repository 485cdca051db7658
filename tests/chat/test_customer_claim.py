"""A WooCommerce storefront's signed customer claim on the widget-key path: the customer id
is believed only from a claim signed with the store's own secret, fresh and not too long-lived."""

from __future__ import annotations

import json
import time

import pytest

from apps.chat.api.customer_claim import MAX_AHEAD, claim_sign
from apps.conversations.models import Conversation
from apps.stores.models import IntegrationCredential, IntegrationStatus, Platform
from tests.chat.chat_api import (
    assert_problem,
    post_json,
    widget_messages_url,
    widget_url,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _woo_store(domain: str, claim_secret: str):  # type: ignore[no-untyped-def]
    store = StoreFactory(platform=Platform.WOOCOMMERCE, domain=domain)
    IntegrationCredential.objects.create(
        store=store,
        provider="woocommerce",
        config=json.dumps({"webhook_secret": "w", "claim_secret": claim_secret}),
        status=IntegrationStatus.CONNECTED,
    )
    return store


@pytest.fixture
def shop():  # type: ignore[no-untyped-def]
    return _woo_store("outfitters.example.com", "claim-secret-north")


@pytest.fixture
def other_shop():  # type: ignore[no-untyped-def]
    return _woo_store("other.example.net", "claim-secret-other")


def _claim(secret: str, cid: object = "42", ahead: int = 3600) -> str:
    return claim_sign(
        {"cid": cid, "email": "jane@example.com", "exp": int(time.time()) + ahead}, secret
    )


def _flipped(claim: str) -> str:
    return claim[:-1] + ("1" if claim[-1] == "0" else "0")


def _start(client, shop, claim: str):  # type: ignore[no-untyped-def]
    return post_json(client, widget_url("conversations", shop.widget_key, customer_claim=claim), {})


def test_a_signed_claim_makes_the_customer_verified(client, shop) -> None:  # type: ignore[no-untyped-def]
    claim = _claim("claim-secret-north")

    response = _start(client, shop, claim)

    assert response.status_code == 201
    conversation = Conversation.objects.get()
    assert (conversation.customer_platform_id, conversation.customer_verified) == ("42", True)
    token = response.json()["token"]
    url = widget_messages_url(shop, conversation.pk, token, customer_claim=claim)
    assert client.get(url).status_code == 200
    # The conversation is bound to that customer: without the claim it does not open.
    assert client.get(widget_messages_url(shop, conversation.pk, token)).status_code != 200


@pytest.mark.parametrize(
    "claim",
    [
        lambda: _claim("claim-secret-other"),  # another store's secret
        lambda: _flipped(_claim("claim-secret-north")),  # signature altered
        lambda: _claim("claim-secret-north").replace(".", "x.", 1),  # payload altered
        lambda: "42",  # a plain id from the browser
        lambda: _claim("claim-secret-north", cid="42 OR 1=1"),
        lambda: _claim("claim-secret-north", ahead=MAX_AHEAD + 3600),  # too long-lived
        lambda: "x" * 700,
    ],
    ids=["other-store", "bad-sig", "bad-payload", "plain-id", "bad-id", "too-long", "huge"],
)
def test_a_claim_we_cannot_verify_is_refused_and_nothing_is_created(  # type: ignore[no-untyped-def]
    client, shop, other_shop, claim
) -> None:
    response = _start(client, shop, claim())

    assert_problem(response, 401, "invalid_customer_claim")
    assert Conversation.objects.count() == 0


def test_an_expired_claim_asks_for_a_reload(client, shop) -> None:  # type: ignore[no-untyped-def]
    response = _start(client, shop, _claim("claim-secret-north", ahead=-5))

    assert_problem(response, 401, "stale_request")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("platform", [Platform.DEMO, Platform.WOOCOMMERCE])
def test_a_store_without_a_claim_secret_treats_the_shopper_as_a_guest(  # type: ignore[no-untyped-def]
    client, platform
) -> None:
    store = StoreFactory(platform=platform, domain=f"{platform}.example")

    response = _start(client, store, _claim("anything"))

    assert response.status_code == 201
    conversation = Conversation.objects.get()
    assert (conversation.customer_platform_id, conversation.customer_verified) == ("", False)
