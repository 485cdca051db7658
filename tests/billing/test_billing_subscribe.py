"""Choosing a plan: appSubscriptionCreate, the top-level redirect, and the return URL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from django.test import Client

from apps.billing.models import AppSubscription, SubscriptionStatus
from apps.billing.plans import GROWTH, STARTER, Feature
from apps.billing.selectors import plan_allows, store_has_active_plan
from standins.shopify.simulator import ShopSimulator
from tests.billing.billing_shopify import (
    CHARGE_ID,
    SUBSCRIPTION_GID,
    USAGE_LINE,
    active_subscriptions,
    confirmation_url,
    mocked_shopify,
    node_status,
    shop_plan,
    subscribed,
    subscription_created,
    subscription_node,
    user_errors,
)
from tests.dashboard.conftest import MerchantClient, token_for
from tests.headers import frame_ancestors
from tests.shopify_app.conftest import make_session_token

pytestmark = pytest.mark.django_db

CREATE = "AftersaleSubscriptionCreate"
PLAN = "AftersaleShopPlan"
ACTIVE = "AftersaleActiveSubscriptions"
STATUS = "AftersaleSubscriptionStatus"


@pytest.fixture
def shopify() -> Iterator[ShopSimulator]:
    yield from mocked_shopify()


def _subscribe(merchant: MerchantClient, plan: str = "growth"):
    return merchant.post("/app/billing/subscribe/", {"plan": plan}, target="billing-action")


# ---------------------------------------------------------------- the plan page


def test_a_store_without_a_plan_sees_the_plans_not_an_error(merchant, shop):
    response = merchant.get("/app/billing/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-no-plan" in html
    assert 'data-plan="starter"' in html
    assert 'data-plan="growth"' in html
    assert "29.00 USD" in html
    assert "0.40 USD per conversation resolved by AI" in html
    assert "99.00 USD" in html
    assert "at most 500.00 USD per cycle" in html
    assert html.count("Start free trial") == 2
    assert "No charges yet" in html
    assert frame_ancestors(response) == (
        f"frame-ancestors https://{shop.domain} https://admin.shopify.com;"
    )
    assert store_has_active_plan(shop) is False
    assert plan_allows(shop, Feature.WEB_CHAT) is False


def test_plans_limit_features(shop):
    subscribed(shop, plan_key="starter")
    assert store_has_active_plan(shop) is True
    assert plan_allows(shop, Feature.WEB_CHAT) is True
    assert plan_allows(shop, Feature.ANALYTICS) is True
    assert plan_allows(shop, Feature.SMS) is False
    assert plan_allows(shop, Feature.HELPDESK) is False
    assert STARTER.features < GROWTH.features


def test_the_demo_store_has_growth_features_and_cannot_subscribe(demo_store, settings):
    settings.DEBUG = True
    assert store_has_active_plan(demo_store) is True
    assert plan_allows(demo_store, Feature.HELPDESK) is True

    from apps.dashboard.demo.tokens import mint_demo_token

    client = Client()
    headers = {"Authorization": f"Bearer {mint_demo_token(demo_store)}", "HX-Request": "true"}
    page = client.get("/app/billing/", headers=headers)
    refused = client.post("/app/billing/subscribe/", {"plan": "growth"}, headers=headers)

    assert page.status_code == 200
    assert "The demo store has every Growth feature" in page.content.decode()
    assert "Start free trial" not in page.content.decode()
    assert refused.status_code == 422
    assert "Only an installed Shopify store can subscribe." in refused.content.decode()
    assert AppSubscription.objects.count() == 0


# ---------------------------------------------------------------- subscribing


def test_subscribing_creates_a_pending_subscription_and_sends_the_admin_to_shopify(
    merchant, shop, shopify, settings
):
    settings.SHOPIFY_BILLING_TEST = False
    shopify.on(PLAN, shop_plan(development=False))
    shopify.on(CREATE, subscription_created(shop.domain))

    response = _subscribe(merchant)

    html = response.content.decode()
    assert response.status_code == 200
    url = confirmation_url(shop.domain)
    assert f'href="{url.replace("&", "&amp;")}" target="_top"' in html
    assert 'window.open(JSON.parse(data.textContent), "_top")' in html
    assert json.loads(html.split('id="billing-confirmation-url" type="application/json">')[1]
                      .split("</script>")[0]) == url  # fmt: skip
    [sent] = shopify.sent(CREATE)
    assert sent == {
        "name": "Aftersale Growth",
        "returnUrl": f"https://{shop.domain}/admin/apps/{settings.SHOPIFY_API_KEY}/billing/confirm",
        "trialDays": 14,
        "test": False,
        "lineItems": [
            {
                "plan": {
                    "appRecurringPricingDetails": {
                        "price": {"amount": "99.00", "currencyCode": "USD"},
                        "interval": "EVERY_30_DAYS",
                    }
                }
            },
            {
                "plan": {
                    "appUsagePricingDetails": {
                        "cappedAmount": {"amount": "500.00", "currencyCode": "USD"},
                        "terms": GROWTH.terms,
                    }
                }
            },
        ],
    }
    row = AppSubscription.objects.get(store=shop)
    assert (row.shopify_id, row.status, row.plan_key, row.test) == (
        SUBSCRIPTION_GID,
        SubscriptionStatus.PENDING,
        "growth",
        False,
    )
    assert row.usage_line_item_id == USAGE_LINE
    assert (row.usage_price, row.capped_amount, row.trial_days) == (
        GROWTH.usage_price,
        GROWTH.capped_amount,
        14,
    )
    assert store_has_active_plan(shop) is False


@pytest.mark.parametrize(
    ("setting", "development", "expected"),
    [(False, True, True), (True, False, True), (False, False, False)],
    ids=["development_store_case", "setting_on_case", "paying_store_case"],
)
def test_test_charges_on_development_stores_or_when_the_setting_says_so(
    merchant, shop, shopify, settings, setting, development, expected
):
    settings.SHOPIFY_BILLING_TEST = setting
    shopify.on(PLAN, shop_plan(development=development))
    shopify.on(CREATE, subscription_created(shop.domain))

    assert _subscribe(merchant, "starter").status_code == 200

    assert shopify.sent(CREATE)[0]["test"] is expected
    assert AppSubscription.objects.get(store=shop).test is expected


def test_shopifys_user_errors_are_shown_and_nothing_is_stored(merchant, shop, shopify):
    shopify.on(PLAN, shop_plan())
    shopify.on(
        CREATE,
        user_errors("appSubscriptionCreate", "Return url must be a valid URL", field=["returnUrl"]),
    )

    response = _subscribe(merchant)

    assert response.status_code == 422
    assert "Return url must be a valid URL" in response.content.decode()
    assert AppSubscription.objects.count() == 0


def test_an_unknown_plan_is_refused_without_asking_shopify(merchant, shopify):
    response = _subscribe(merchant, "platinum")

    assert response.status_code == 422
    assert "There is no such plan." in response.content.decode()
    assert shopify.calls == []
    assert AppSubscription.objects.count() == 0


def test_the_current_plan_is_not_bought_twice(merchant, shop, shopify):
    subscribed(shop)

    response = _subscribe(merchant, "growth")

    assert response.status_code == 422
    assert "You are on the Aftersale Growth plan already." in response.content.decode()
    assert shopify.calls == []
    assert AppSubscription.objects.count() == 1


def test_a_confirmation_url_off_shopify_is_never_followed(merchant, shop, shopify):
    created = subscription_created(shop.domain)
    created["appSubscriptionCreate"]["confirmationUrl"] = "https://evil.example.com/confirm"
    shopify.on(PLAN, shop_plan())
    shopify.on(CREATE, created)

    response = _subscribe(merchant)

    assert response.status_code == 422
    assert "evil.example.com" not in response.content.decode()
    assert AppSubscription.objects.count() == 0


def test_shopify_down_gives_a_message_and_stores_nothing(merchant, shopify, settings):
    settings.SHOPIFY_MAX_ATTEMPTS = 1
    shopify.on(CREATE, lambda _: httpx.Response(503, text="Service Unavailable"))

    response = _subscribe(merchant)

    assert response.status_code == 422
    assert "Shopify did not answer in time" in response.content.decode()
    assert AppSubscription.objects.count() == 0


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-jwt",
        "expired",
        "wrong_secret",
    ],
)
def test_subscribing_needs_a_valid_session_token(shop, shopify, token):
    tokens = {
        "expired": token_for(shop, exp=int(time.time()) - 60, nbf=int(time.time()) - 120),
        "wrong_secret": make_session_token(shop.domain, secret="shpss_" + "f" * 32),
    }
    value = tokens.get(token, token)
    headers = {"Authorization": f"Bearer {value}"} if value else {}

    response = Client().post("/app/billing/subscribe/", {"plan": "growth"}, headers=headers)

    assert response.status_code == 401
    assert shopify.calls == []
    assert AppSubscription.objects.count() == 0


# ---------------------------------------------------------------- the return URL


def _pending(shop, charge_id: str = CHARGE_ID, plan_key: str = "growth") -> AppSubscription:
    return subscribed(
        shop,
        status=SubscriptionStatus.PENDING,
        charge_id=charge_id,
        plan_key=plan_key,
        activated_at=None,
        current_period_end=None,
        synced_at=None,
        shopify_updated_at=None,
    )


def test_the_return_url_confirms_with_shopify_and_activates_the_plan(merchant, shop, shopify):
    row = _pending(shop)
    shopify.on(
        ACTIVE,
        active_subscriptions(
            subscription_node(status="ACTIVE", period_end="2026-12-20T10:00:00Z", used="0.6")
        ),
    )

    response = merchant.get("/app/billing/confirm", {"charge_id": CHARGE_ID})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-notice="success"' in html
    assert "Your plan is active" in html
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.activated_at is not None
    assert row.current_period_end.isoformat() == "2026-12-20T10:00:00+00:00"
    assert str(row.balance_used) == "0.60"
    assert store_has_active_plan(shop) is True
    assert 'data-subscription="ACTIVE"' in html
    assert "Your plan" in html
    assert shopify.ops() == [ACTIVE]


def test_a_declined_subscription_is_recorded_and_no_plan_is_active(merchant, shop, shopify):
    row = _pending(shop)
    shopify.on(ACTIVE, active_subscriptions())
    shopify.on(STATUS, node_status("DECLINED"))

    response = merchant.get("/app/billing/confirm", {"charge_id": CHARGE_ID})

    html = response.content.decode()
    assert "You declined the charge." in html
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.DECLINED
    assert row.ended_at is not None
    assert store_has_active_plan(shop) is False
    assert shopify.sent(STATUS) == [{"id": SUBSCRIPTION_GID}]
    assert html.count("Start free trial") == 2


def test_a_forged_charge_id_changes_nothing(merchant, shop, other_shop, shopify):
    """The query string names a subscription; Shopify's answer decides its state."""
    theirs = _pending(other_shop, charge_id="777")
    mine = _pending(shop)
    shopify.on(ACTIVE, active_subscriptions())
    shopify.on(STATUS, node_status("PENDING"))

    response = merchant.get("/app/billing/confirm", {"charge_id": "777"})

    assert response.status_code == 200
    assert "No plan is active yet" in response.content.decode()
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == mine.status == SubscriptionStatus.PENDING
    # Only this store's pending subscription was looked up.
    assert shopify.sent(STATUS) == [{"id": SUBSCRIPTION_GID}]


def test_approving_a_new_plan_replaces_the_old_one(merchant, shop, shopify):
    old = subscribed(shop, plan_key="starter", charge_id="555")
    new = _pending(shop)
    shopify.on(ACTIVE, active_subscriptions(subscription_node(status="ACTIVE")))

    merchant.get("/app/billing/confirm", {"charge_id": CHARGE_ID})

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (SubscriptionStatus.CANCELLED, SubscriptionStatus.ACTIVE)
    assert plan_allows(shop, Feature.HELPDESK) is True


def test_the_return_url_survives_shopify_being_down(merchant, shop, shopify, settings):
    settings.SHOPIFY_MAX_ATTEMPTS = 1
    row = _pending(shop)
    shopify.on(ACTIVE, lambda _: httpx.Response(502, text="Bad Gateway"))

    response = merchant.get("/app/billing/confirm", {"charge_id": CHARGE_ID})

    assert response.status_code == 200
    assert "We could not reach Shopify to confirm your plan" in response.content.decode()
    row.refresh_from_db()
    assert row.status == SubscriptionStatus.PENDING


def test_another_stores_token_never_sees_this_stores_billing(shop, other_shop):
    subscribed(shop, charge_id="111")
    from apps.billing.models import BillingLedgerEntry

    BillingLedgerEntry.objects.create(
        store=shop,
        subscription=AppSubscription.objects.get(store=shop),
        amount="0.30",
        currency="USD",
        description="AI resolution: conversation 1",
        status="charged",
        idempotency_key="aftersale-resolution-secret",
        shopify_usage_record_id="gid://shopify/AppUsageRecord/999999",
        resolved_at="2026-11-01T00:00:00Z",
    )

    html = MerchantClient(other_shop).get("/app/billing/").content.decode()

    assert "AppUsageRecord/999999" not in html
    assert "Aftersale Growth</h2>" in html  # the plan card, not a subscription
    assert "data-subscription" not in html
    assert "No charges yet" in html


@pytest.mark.parametrize(
    ("ours", "shopifys"),
    [
        (SubscriptionStatus.FROZEN, "FROZEN"),
        (SubscriptionStatus.ACTIVE, "CANCELLED"),
        (SubscriptionStatus.ACTIVE, "FROZEN"),
    ],
    ids=["frozen_stays_frozen", "active_was_cancelled", "active_was_frozen"],
)
def test_a_subscription_shopify_no_longer_lists_takes_the_status_shopify_reports(
    merchant, shop, shopify, ours, shopifys
):
    row = subscribed(shop, status=ours)
    shopify.on(ACTIVE, active_subscriptions())
    shopify.on(STATUS, node_status(shopifys))

    merchant.get("/app/billing/confirm")

    row.refresh_from_db()
    assert row.status == shopifys
    assert store_has_active_plan(shop) is False
    assert shopify.sent(STATUS) == [{"id": SUBSCRIPTION_GID}]


def test_no_answer_about_a_subscription_leaves_it_as_it_was(merchant, shop, shopify):
    row = subscribed(shop)
    shopify.on(ACTIVE, active_subscriptions())
    shopify.on(STATUS, {"node": None})

    merchant.get("/app/billing/confirm")

    row.refresh_from_db()
    assert row.status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize("path", ["/app/billing/", "/app/billing/confirm?charge_id=1029266960"])
@pytest.mark.parametrize("token", ["none", "garbage", "wrong_secret", "wrong_aud"])
def test_billing_pages_need_a_valid_session_token(shop, shopify, path, token):
    subscribed(shop, status=SubscriptionStatus.PENDING)
    values = {
        "none": None,
        "garbage": "not-a-jwt",
        "wrong_secret": make_session_token(shop.domain, secret="shpss_" + "f" * 32),
        "wrong_aud": token_for(shop, aud="another-apps-client-id"),
    }
    headers = {"Authorization": f"Bearer {values[token]}"} if values[token] else {}

    response = Client().get(path, headers=headers)

    assert response.status_code == 401
    assert b"Aftersale Growth" not in response.content
    assert shopify.calls == []
    assert AppSubscription.objects.get().status == SubscriptionStatus.PENDING
