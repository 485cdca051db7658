from __future__ import annotations

import logging

import httpx
import pytest

from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError
from apps.integrations.commerce.shopify import client as client_module
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.errors import (
    QueryTooExpensive,
    ShopifyBusy,
    ShopifyGraphQLError,
)
from apps.integrations.commerce.shopify.throttle import QueryCost, ShopBucket, ThrottleStatus
from apps.shopify_app import token_source as installed_tokens
from apps.shopify_app.errors import NeedsReauthorization
from apps.stores.models import Store
from tests.integrations.shopify.answers import graphql_error, ok, throttled

pytestmark = pytest.mark.django_db
POLICIES = {"shop": {"shopPolicies": []}}


def test_it_sends_the_pinned_version_and_the_token_and_reads_the_cost(client, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.on("ShopPolicies", ok(POLICIES, requested=10, actual=3, available=997.0, rate=100.0))

    data = client.execute(documents.SHOP_POLICIES)

    assert data == POLICIES
    [call] = fake.calls
    assert call.headers["X-Shopify-Access-Token"] == "shpat_livetoken0001"
    assert "/admin/api/2026-10/graphql.json" in client.endpoint
    state = ShopBucket(client.store.domain).snapshot()
    assert state["max"] == 1000.0
    assert state["rate"] == 100.0
    assert state["available"] <= 997.0
    assert client.points_used == 3
    assert "shpat_livetoken0001" not in caplog.text


def test_an_empty_bucket_makes_the_client_wait_before_sending(client, fake, sleeps):
    # Another worker just drained the shop: 50 of 1000 points left, 100 restored a second.
    ShopBucket(client.store.domain, clock=sleeps.time).settle(
        reserved=0,
        cost=QueryCost(requested=0, actual=0, status=ThrottleStatus(1000.0, 50.0, 100.0)),
    )
    fake.on("OrderById", ok({"order": None}, requested=190, actual=20, available=980.0))

    client.execute(
        documents.ORDER_BY_ID, {"id": "gid://shopify/Order/1", **documents.LIVE.variables()}
    )

    # It waited for the points ((estimate - 50) / 100 s) and Shopify never had to throttle.
    expected = (documents.ORDER_BY_ID.estimated_cost - 50) / 100
    assert expected - 0.05 <= sum(sleeps) <= expected + 0.1
    assert fake.ops() == ["OrderById"]


def test_a_throttled_answer_is_retried_after_what_the_restore_rate_implies(client, fake, sleeps):
    fake.on("ShopPolicies", [throttled(requested=500, available=100.0, rate=100.0), ok(POLICIES)])

    assert client.execute(documents.SHOP_POLICIES) == POLICIES

    assert fake.ops() == ["ShopPolicies", "ShopPolicies"]
    assert sleeps[0] == pytest.approx(4.0)  # (500 - 100) / 100


def test_throttling_longer_than_a_turn_may_wait_is_a_transient_error(shop_store, fake, sleeps):
    client = client_module.ShopifyClient(shop_store, sleep=sleeps, clock=sleeps.time, max_wait=5)
    fake.on("ShopPolicies", throttled(requested=900, available=0.0, rate=100.0))

    with pytest.raises(ShopifyBusy) as caught:
        client.execute(documents.SHOP_POLICIES)

    assert isinstance(caught.value, TransientCommerceError)
    assert caught.value.retry_after == pytest.approx(9.0)
    assert len(fake.calls) == 1  # gave up at once instead of blocking the turn


def test_server_errors_and_429_are_retried_honouring_retry_after(client, fake, sleeps):
    fake.on(
        "ShopPolicies",
        [
            httpx.Response(503),
            httpx.Response(429, headers={"Retry-After": "3"}),
            ok(POLICIES),
        ],
    )

    assert client.execute(documents.SHOP_POLICIES) == POLICIES
    assert len(fake.calls) == 3
    assert sleeps[1] >= 3.0


def test_connection_errors_are_retried(client, fake):
    fake.on("ShopPolicies", [httpx.ConnectError("refused"), ok(POLICIES)])
    assert client.execute(documents.SHOP_POLICIES) == POLICIES
    assert len(fake.calls) == 2


def test_a_mutation_that_may_have_run_is_not_resent_after_a_timeout(client, fake):
    fake.on("OrderCancel", [httpx.ReadTimeout("slow"), ok({"orderCancel": {}})])

    with pytest.raises(ShopifyBusy):
        client.execute(documents.ORDER_CANCEL, {"orderId": "gid://shopify/Order/1"})

    assert len(fake.calls) == 1


def test_persistent_failures_end_in_a_transient_error(client, fake):
    client.max_wait = 60  # enough patience for every attempt's backoff
    fake.on("ShopPolicies", httpx.Response(502))
    with pytest.raises(ShopifyBusy):
        client.execute(documents.SHOP_POLICIES)
    assert len(fake.calls) == 5  # SHOPIFY_MAX_ATTEMPTS


def test_a_401_refreshes_the_token_once_and_retries(client, fake, monkeypatch):
    rejected = []

    def refresh(store, token):  # type: ignore[no-untyped-def]
        rejected.append(token)
        return "shpat_fresh0002"

    monkeypatch.setattr(installed_tokens, "refresh_after_unauthorized", refresh)
    fake.on("ShopPolicies", [httpx.Response(401), ok(POLICIES)])

    assert client.execute(documents.SHOP_POLICIES) == POLICIES

    assert rejected == ["shpat_livetoken0001"]
    assert fake.calls[1].headers["X-Shopify-Access-Token"] == "shpat_fresh0002"
    assert Store.objects.get(pk=client.store.pk).needs_reauth is False


@pytest.mark.parametrize("statuses", [[401, 401], [403]], ids=["revoked", "forbidden"])
def test_a_revoked_token_flags_the_store_instead_of_crashing(client, fake, monkeypatch, statuses):
    monkeypatch.setattr(
        installed_tokens, "refresh_after_unauthorized", lambda s, t: "shpat_new0003"
    )
    fake.on("ShopPolicies", [httpx.Response(s) for s in statuses])

    with pytest.raises(ReauthorizationRequired):
        client.execute(documents.SHOP_POLICIES)

    assert Store.objects.get(pk=client.store.pk).needs_reauth is True
    assert len(fake.calls) == len(statuses)


def test_a_store_without_a_usable_token_sends_nothing(client, fake, monkeypatch):
    def refuse(store):  # type: ignore[no-untyped-def]
        raise NeedsReauthorization("re-open the app")

    monkeypatch.setattr(installed_tokens, "access_token_for", refuse)
    with pytest.raises(ReauthorizationRequired):
        client.execute(documents.SHOP_POLICIES)
    assert fake.calls == []


def test_top_level_errors_become_typed_errors(client, fake):
    fake.on("ShopPolicies", graphql_error("Field 'nope' doesn't exist", "undefinedField"))
    with pytest.raises(ShopifyGraphQLError) as caught:
        client.execute(documents.SHOP_POLICIES)
    assert caught.value.code == "undefinedField"

    fake.on(
        "ShopPolicies",
        graphql_error(
            "Query cost is 1302, which exceeds the single query max cost limit (1000).",
            "MAX_COST_EXCEEDED",
        ),
    )
    with pytest.raises(QueryTooExpensive):
        client.execute(documents.SHOP_POLICIES)


class _OwnTokens:
    def __init__(self) -> None:
        self.rejected: list[str] = []

    def access_token(self, store: Store) -> str:
        return "shpat_given0001"

    def refreshed_after_unauthorized(self, store: Store, rejected: str) -> str:
        self.rejected.append(rejected)
        return "shpat_given0002"


def test_the_client_takes_its_tokens_from_the_source_it_is_given(shop_store, fake, sleeps):
    tokens = _OwnTokens()
    client = client_module.ShopifyClient(shop_store, sleep=sleeps, clock=sleeps.time, tokens=tokens)
    fake.on("ShopPolicies", [httpx.Response(401), ok(POLICIES)])

    assert client.execute(documents.SHOP_POLICIES) == POLICIES

    assert [c.headers["X-Shopify-Access-Token"] for c in fake.calls] == [
        "shpat_given0001",
        "shpat_given0002",
    ]
    assert tokens.rejected == ["shpat_given0001"]


def test_by_default_the_client_uses_the_installed_store_tokens(shop_store):
    client = client_module.ShopifyClient(shop_store)
    assert isinstance(client._tokens, installed_tokens.InstalledStoreTokens)
