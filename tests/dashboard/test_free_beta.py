"""Billing for non-Shopify merchants: "free during beta" behind a setting, never a plan
they could not pay for."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from apps.billing.plans import Feature
from apps.billing.selectors import plan_allows, store_has_active_plan
from apps.dashboard.store_session import start_store_session
from apps.stores.models import Platform
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bc_store():  # type: ignore[no-untyped-def]
    return StoreFactory(platform=Platform.BIGCOMMERCE, domain="store-beta1.mybigcommerce.com")


def _billing_page(store):  # type: ignore[no-untyped-def]
    token = start_store_session(RequestFactory().get("/"), None, store, user_id="1")
    return Client().get("/app/billing/", headers={"Authorization": f"Bearer {token}"})


def test_a_bigcommerce_store_is_free_during_the_beta(bc_store, settings):
    settings.BILLING_FREE_DURING_BETA = True
    page = _billing_page(bc_store).content.decode()

    assert "Free during the beta" in page
    assert "Billed by Shopify" not in page
    assert "Start free trial" not in page
    assert store_has_active_plan(bc_store)
    assert plan_allows(bc_store, Feature.WEB_CHAT)


def test_without_the_beta_nothing_is_free_and_nothing_is_offered(bc_store, settings):
    settings.BILLING_FREE_DURING_BETA = False
    page = _billing_page(bc_store).content.decode()

    assert "Free during the beta" not in page
    assert "Plans are not available for BigCommerce stores yet" in page
    assert "Start free trial" not in page
    assert not store_has_active_plan(bc_store)


def test_shopify_stores_are_never_free(settings):
    settings.BILLING_FREE_DURING_BETA = True
    shop = StoreFactory()

    assert not store_has_active_plan(shop)
    assert not plan_allows(shop, Feature.WEB_CHAT)
