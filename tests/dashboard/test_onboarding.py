"""The onboarding checklist on the home page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.conversations.models import Conversation
from apps.dashboard.models import OnboardingMark
from apps.orders.models import OrderSync, OrderSyncStatus
from apps.stores.models import KnowledgeEntry, KnowledgeKind

pytestmark = pytest.mark.django_db

API_KEY = "3f1d6c0b8e2a4b7c9d0e1f2a3b4c5d6e"


def _steps(html: str) -> dict[str, bool]:
    return {k: v == "true" for k, v in re.findall(r'data-step="(\w+)" data-done="(\w+)"', html)}


def test_a_fresh_store_has_everything_to_do(merchant):
    html = merchant.get("/app/").content.decode()

    assert _steps(html) == {
        "orders": False,
        "policies": False,
        "widget": False,
        "conversation": False,
        "plan": False,
    }
    assert "0 of 5 tasks complete" in html


def test_the_widget_step_deep_links_to_the_theme_editors_app_embed(merchant, shop):
    html = merchant.get("/app/").content.decode()

    link = (
        f"https://{shop.domain}/admin/themes/current/editor?context=apps"
        f"&amp;activateAppId={API_KEY}/chat"
    )
    assert f'href="{link}" target="_top"' in html


def test_the_plan_step_links_to_billing_until_a_plan_is_chosen(merchant, shop):
    html = merchant.get("/app/", {"shop": shop.domain, "host": "YWRtaW4"}).content.decode()

    assert f'href="/app/billing/?shop={shop.domain}&amp;host=YWRtaW4">Choose a plan' in html


def test_progress_shows_as_steps_complete(merchant, shop):
    OrderSync.objects.create(
        store=shop,
        status=OrderSyncStatus.RUNNING,
        imported=40,
        total_estimate=160,
        started_at=timezone.now(),
    )
    KnowledgeEntry.objects.create(
        store=shop, kind=KnowledgeKind.POLICY, title="Refunds", body="30 days"
    )
    Conversation.objects.create(store=shop)

    html = merchant.get("/app/").content.decode()

    assert _steps(html) == {
        "orders": False,
        "policies": True,
        "widget": False,
        "conversation": True,
        "plan": False,
    }
    assert "40 orders imported so far" in html
    assert 'aria-valuenow="25"' in html
    assert "2 of 5 tasks complete" in html


def test_a_finished_backfill_is_done(merchant, shop):
    OrderSync.objects.create(store=shop, status=OrderSyncStatus.DONE, imported=212)

    html = merchant.get("/app/").content.decode()

    assert _steps(html)["orders"] is True
    assert "212 orders imported." in html


def test_marking_the_widget_done_is_recorded_once(merchant, shop):
    first = merchant.post("/app/onboarding/widget-done/")
    second = merchant.post("/app/onboarding/widget-done/")

    assert first.status_code == second.status_code == 200
    assert _steps(second.content.decode())["widget"] is True
    mark = OnboardingMark.objects.get(store=shop)
    assert (mark.step, mark.marked_by) == ("widget_enabled", "74221789523")


def test_one_stores_progress_is_not_anothers(merchant, rival, shop, other_shop):
    merchant.post("/app/onboarding/widget-done/")
    Conversation.objects.create(store=shop)

    steps = _steps(rival.get("/app/").content.decode())

    assert steps["widget"] is False
    assert steps["conversation"] is False
    assert not OnboardingMark.objects.filter(store=other_shop).exists()


def test_the_demo_store_points_at_the_demo_storefront(demo_merchant):
    html = demo_merchant.get("/app/").content.decode()

    steps = _steps(html)
    assert steps["orders"] is True
    assert steps["policies"] is True
    assert 'href="/demo/"' in html
    assert "/admin/themes/current/editor" not in html
    # The checklist tells the truth about the demo: the widget is live on the demo page and
    # the plan is what Billing says (every Growth feature, never billed).
    assert steps["widget"] is True
    assert steps["plan"] is True
    assert "every Growth feature" in html
    billing = demo_merchant.get("/app/billing/").content.decode()
    assert "every Growth feature" in billing
