"""Usage charges: each conversation the AI resolved on its own is charged once, through the
ledger (outbox), within the cap; nothing else is ever charged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from apps.billing import usage
from apps.billing.models import (
    AppSubscription,
    BillingLedgerEntry,
    LedgerStatus,
    SubscriptionStatus,
)
from apps.billing.resolution import ai_resolved_q
from apps.billing.tasks import charge_resolutions, charge_store_resolutions
from apps.billing.usage import billing_run_store, idempotency_key_for
from apps.conversations.models import ActionKind, ActionStatus, ConversationStatus
from apps.core.locks import named_lock
from apps.dashboard.analytics import DateRange, store_analytics
from apps.stores.models import StoreStatus
from standins.shopify.simulator import ShopSimulator
from tests.billing.billing_shopify import (
    USAGE_LINE,
    active_subscriptions,
    answer,
    mocked_shopify,
    subscribed,
    subscription_node,
    usage_recorded,
    user_errors,
)
from tests.dashboard.conversation_shapes import (
    abandoned,
    abandoned_proposal,
    conversation,
    escalated,
    human_finished,
)
from tests.factories import StoreFactory
from tests.shopify_app.conftest import queued_tasks

pytestmark = pytest.mark.django_db

CHARGE = "AftersaleUsageRecordCreate"


@pytest.fixture
def shopify() -> Iterator[ShopSimulator]:
    yield from mocked_shopify()


def _ledger(store) -> list[tuple[int | None, str, Decimal]]:
    rows = BillingLedgerEntry.objects.filter(store=store).order_by("pk")
    return [(r.conversation_id, r.status, r.amount) for r in rows]


def _resolved_ids(store) -> set[int]:
    from apps.conversations.models import Conversation

    now = timezone.now()
    return set(
        Conversation.objects.filter(store=store)
        .filter(ai_resolved_q(now))
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- the definition


def test_what_counts_as_resolved_by_the_ai(shop):
    quiet_lookup = conversation(shop)
    confirmed = conversation(
        shop, status=ConversationStatus.RESOLVED, executed=(), started=timezone.now()
    )
    approved_refund = conversation(shop, refund=("20.00", "USD"))
    not_quiet_yet = conversation(shop, started=timezone.now() - timedelta(hours=2))
    never_carried_out = conversation(shop, executed=())
    never_answered = conversation(shop, reply_after=None)
    came_back = conversation(shop, unanswered_followup=True)
    held = conversation(shop, other_actions=[(ActionKind.REFUND, ActionStatus.AWAITING_APPROVAL)])
    rejected = conversation(shop, other_actions=[(ActionKind.REFUND, ActionStatus.REJECTED)])
    failed = conversation(shop, other_actions=[(ActionKind.CANCEL_ORDER, ActionStatus.FAILED)])
    excluded = [
        abandoned(shop),
        abandoned_proposal(shop),
        escalated(shop),
        human_finished(shop),
        conversation(shop, human_reply=True),  # a person answered, then handed back
        not_quiet_yet,
        never_carried_out,
        never_answered,
        came_back,
        held,
        rejected,
        failed,
    ]

    resolved = _resolved_ids(shop)

    assert resolved == {quiet_lookup.pk, confirmed.pk, approved_refund.pk}
    assert not resolved & {c.pk for c in excluded}


# ---------------------------------------------------------------- charging


def test_a_resolution_is_written_to_the_ledger_before_shopify_is_called_then_charged(shop, shopify):
    subscribed(shop)
    convo = conversation(shop)
    key = idempotency_key_for(shop.pk, convo.pk)
    seen_before_call: list[tuple[str, int]] = []

    def charge(variables):
        entry = BillingLedgerEntry.objects.get(idempotency_key=variables["idempotencyKey"])
        seen_before_call.append((entry.status, entry.attempts))
        return answer(usage_recorded())

    shopify.on(CHARGE, charge)

    result = billing_run_store(shop.pk)

    assert seen_before_call == [(LedgerStatus.PENDING, 1)]
    assert shopify.sent(CHARGE) == [
        {
            "subscriptionLineItemId": USAGE_LINE,
            "price": {"amount": "0.30", "currencyCode": "USD"},
            "description": f"AI resolution: conversation {convo.pk}",
            "idempotencyKey": key,
        }
    ]
    entry = BillingLedgerEntry.objects.get(store=shop)
    assert (entry.conversation_id, entry.status, entry.amount, entry.currency) == (
        convo.pk,
        LedgerStatus.CHARGED,
        Decimal("0.30"),
        "USD",
    )
    assert entry.shopify_usage_record_id == "gid://shopify/AppUsageRecord/248477168"
    assert entry.charged_at is not None
    assert (result.recorded, result.charged) == (1, 1)


def test_running_again_never_charges_twice(shop, shopify):
    subscribed(shop)
    conversation(shop)
    shopify.on(CHARGE, usage_recorded())

    billing_run_store(shop.pk)
    second = billing_run_store(shop.pk)

    assert len(shopify.sent(CHARGE)) == 1
    assert (second.recorded, second.charged) == (0, 0)
    assert BillingLedgerEntry.objects.count() == 1


def test_a_charge_that_timed_out_is_retried_with_the_same_key_and_makes_one_record(
    shop, shopify, settings
):
    settings.SHOPIFY_MAX_ATTEMPTS = 1  # the first run gives up at once
    subscribed(shop)
    convo = conversation(shop)

    def timed_out(_variables):
        raise httpx.ReadTimeout("read timed out")

    shopify.on(CHARGE, timed_out, usage_recorded())

    first = billing_run_store(shop.pk)
    pending = BillingLedgerEntry.objects.get()
    second = billing_run_store(shop.pk)

    assert (first.charged, first.left_pending) == (0, 0)
    assert pending.status == LedgerStatus.PENDING
    assert pending.attempted_at is None  # released for the next run
    keys = [v["idempotencyKey"] for v in shopify.sent(CHARGE)]
    assert keys == [idempotency_key_for(shop.pk, convo.pk)] * 2
    assert second.charged == 1
    entry = BillingLedgerEntry.objects.get()
    assert (entry.status, entry.attempts) == (LedgerStatus.CHARGED, 2)


def test_a_row_claimed_by_another_worker_is_not_sent(shop, shopify):
    subscription = subscribed(shop)
    convo = conversation(shop)
    BillingLedgerEntry.objects.create(
        store=shop,
        subscription=subscription,
        conversation=convo,
        amount="0.30",
        currency="USD",
        description="AI resolution",
        idempotency_key=idempotency_key_for(shop.pk, convo.pk),
        resolved_at=timezone.now(),
        attempted_at=timezone.now() - timedelta(seconds=30),
        attempts=1,
    )

    billing_run_store(shop.pk)

    assert shopify.sent(CHARGE) == []
    assert BillingLedgerEntry.objects.get().status == LedgerStatus.PENDING


@pytest.mark.parametrize(
    "make",
    [abandoned, abandoned_proposal, escalated, human_finished],
    ids=["abandoned_case", "abandoned_proposal_case", "escalated_case", "human_finished_case"],
)
def test_conversations_the_ai_did_not_resolve_are_never_charged(shop, shopify, make):
    subscribed(shop)
    make(shop)

    result = billing_run_store(shop.pk)

    assert result.recorded == 0
    assert shopify.sent(CHARGE) == []
    assert BillingLedgerEntry.objects.count() == 0


def test_the_sweep_finds_resolutions_window_by_window_in_billing_order(shop, monkeypatch):
    # Windows of two candidates: resolutions are spread over several, between
    # conversations the AI did not resolve, and the batch ends in the middle of one.
    subscription = subscribed(shop)
    now = timezone.now()
    makers = [conversation, escalated, conversation, abandoned, human_finished, conversation]
    made = [make(shop, started=now - timedelta(days=5, hours=-n)) for n, make in enumerate(makers)]
    made.append(conversation(shop, started=now - timedelta(days=4)))
    everything = list(
        usage.ai_resolutions_among([c.pk for c in made], since=now - usage.LOOKBACK, now=now)
    )
    monkeypatch.setattr(usage, "CANDIDATES", 2)

    found = usage.billable_conversations(shop, subscription, now=now)
    monkeypatch.setattr(usage, "BATCH", 3)
    first_batch = usage.billable_conversations(shop, subscription, now=now)

    assert [pk for pk, _ in everything] == [made[n].pk for n in (0, 2, 5, 6)]
    assert found == everything
    assert first_batch == everything[:3]


def test_a_recorded_resolution_leaves_the_sweeps_index(shop, shopify):
    subscribed(shop)
    resolved = conversation(shop)
    unresolved = escalated(shop)
    since = timezone.now() - timedelta(days=14)
    before = set(usage.unbilled_candidates(shop, since=since).values_list("pk", flat=True))

    billing_run_store(shop.pk)

    resolved.refresh_from_db()
    after = set(usage.unbilled_candidates(shop, since=since).values_list("pk", flat=True))
    assert before == {resolved.pk, unresolved.pk}
    assert resolved.billing_recorded_at is not None
    assert after == {unresolved.pk}


def test_the_cap_is_never_passed(shop, shopify):
    subscribed(shop, capped_amount="0.60")  # room for two charges of 0.30
    convos = [
        conversation(shop, started=timezone.now() - timedelta(days=3, minutes=n)) for n in range(3)
    ]
    shopify.on(CHARGE, usage_recorded())

    result = billing_run_store(shop.pk)

    assert (result.recorded, result.charged) == (3, 2)
    assert len(shopify.sent(CHARGE)) == 2
    statuses = {c: s for c, s, _ in _ledger(shop)}
    assert sorted(statuses.values()) == [
        LedgerStatus.CHARGED,
        LedgerStatus.CHARGED,
        LedgerStatus.SKIPPED_CAP,
    ]
    # The oldest resolutions are charged first.
    assert statuses[convos[2].pk] == LedgerStatus.CHARGED
    assert statuses[convos[0].pk] == LedgerStatus.SKIPPED_CAP


def test_the_cap_counts_what_shopify_already_used(shop, shopify):
    subscribed(shop, capped_amount="1.00", balance_used="0.80")
    conversation(shop)

    billing_run_store(shop.pk)

    assert shopify.sent(CHARGE) == []
    assert _ledger(shop)[0][1] == LedgerStatus.SKIPPED_CAP


def test_shopify_saying_the_cap_is_reached_marks_the_entry_skipped(shop, shopify):
    subscribed(shop)
    conversation(shop)
    shopify.on(CHARGE, user_errors("appUsageRecordCreate", "Total price exceeds balance remaining"))

    result = billing_run_store(shop.pk)

    entry = BillingLedgerEntry.objects.get()
    assert (entry.status, entry.error) == (
        LedgerStatus.SKIPPED_CAP,
        "Total price exceeds balance remaining",
    )
    assert result.skipped_cap == 1


def test_other_user_errors_fail_the_entry_with_shopifys_reason(shop, shopify):
    subscribed(shop)
    conversation(shop)
    shopify.on(
        CHARGE,
        user_errors(
            "appUsageRecordCreate",
            "Subscription line item must have a usage pricing plan",
            field=["subscriptionLineItemId"],
        ),
    )

    billing_run_store(shop.pk)
    billing_run_store(shop.pk)

    entry = BillingLedgerEntry.objects.get()
    assert entry.status == LedgerStatus.FAILED
    assert entry.error == "Subscription line item must have a usage pricing plan"
    assert len(shopify.sent(CHARGE)) == 1  # a failed entry is not retried


def test_resolutions_during_the_free_trial_are_free(shop, shopify):
    subscribed(shop, activated_at=timezone.now() - timedelta(days=5))
    conversation(shop)

    billing_run_store(shop.pk)

    assert shopify.sent(CHARGE) == []
    [(_, status, amount)] = _ledger(shop)
    assert (status, amount) == (LedgerStatus.FREE_TRIAL, Decimal("0.00"))


def test_resolutions_from_before_the_plan_are_not_charged(shop, shopify):
    subscribed(shop, activated_at=timezone.now() - timedelta(days=1))
    conversation(shop, started=timezone.now() - timedelta(days=3))

    assert billing_run_store(shop.pk).recorded == 0
    assert BillingLedgerEntry.objects.count() == 0


def test_only_the_stores_own_conversations_are_charged_to_it(shop, other_shop, shopify):
    subscribed(shop)
    conversation(other_shop)
    conversation(other_shop, status=ConversationStatus.RESOLVED)

    assert billing_run_store(shop.pk).recorded == 0
    assert shopify.calls == []
    assert BillingLedgerEntry.objects.count() == 0


def test_without_an_active_subscription_nothing_is_recorded(shop, shopify):
    subscribed(shop, status=SubscriptionStatus.FROZEN)
    conversation(shop)
    shopify.on(
        "AftersaleActiveSubscriptions",
        active_subscriptions(subscription_node(status="FROZEN")),
    )

    assert billing_run_store(shop.pk).recorded == 0
    assert BillingLedgerEntry.objects.count() == 0


def test_pending_entries_of_a_cancelled_subscription_fail_and_are_not_sent(shop, shopify):
    subscription = subscribed(shop)
    convo = conversation(shop)
    BillingLedgerEntry.objects.create(
        store=shop,
        subscription=subscription,
        conversation=convo,
        amount="0.30",
        currency="USD",
        description="AI resolution",
        idempotency_key=idempotency_key_for(shop.pk, convo.pk),
        resolved_at=timezone.now(),
    )
    AppSubscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.CANCELLED)

    billing_run_store(shop.pk)

    entry = BillingLedgerEntry.objects.get()
    assert entry.status == LedgerStatus.FAILED
    assert "ended before this charge was sent" in entry.error
    assert shopify.calls == []


def test_an_old_sync_is_refreshed_before_charging(shop, shopify):
    subscribed(shop, synced_at=timezone.now() - timedelta(hours=2), balance_used="0.00")
    conversation(shop)
    shopify.on(
        "AftersaleActiveSubscriptions",
        active_subscriptions(subscription_node(status="ACTIVE", used="499.90")),
    )

    billing_run_store(shop.pk)

    assert shopify.ops() == ["AftersaleActiveSubscriptions"]
    assert AppSubscription.objects.get().balance_used == Decimal("499.90")
    assert _ledger(shop)[0][1] == LedgerStatus.SKIPPED_CAP


# ---------------------------------------------------------------- the page and the task


def test_the_billing_page_shows_the_ledger_linked_to_transcripts_and_the_cap(
    merchant, shop, shopify
):
    subscribed(shop, capped_amount="0.30")
    charged = conversation(shop, started=timezone.now() - timedelta(days=3, hours=1))
    skipped = conversation(shop)
    shopify.on(CHARGE, usage_recorded())
    billing_run_store(shop.pk)

    html = merchant.get("/app/billing/", {"shop": shop.domain}).content.decode()

    assert f'href="/app/conversations/{charged.pk}/?shop={shop.domain}"' in html
    assert f'href="/app/conversations/{skipped.pk}/?shop={shop.domain}"' in html
    assert 'data-status="charged"' in html
    assert 'data-status="skipped_cap"' in html
    assert "<span data-usage-used>0.30 USD</span> of <span data-usage-cap>0.30 USD</span>" in html
    assert "data-cap-reached" in html
    assert "1 resolution this cycle was not charged" in html


def test_the_periodic_task_fans_out_to_subscribed_installed_stores_only(shop, other_shop):
    subscribed(shop)
    subscribed(other_shop, charge_id="222", status=SubscriptionStatus.PENDING)
    gone = subscribed(StoreFactory(status=StoreStatus.UNINSTALLED), charge_id="333")

    fanned_out = charge_resolutions()

    assert fanned_out == 1
    assert queued_tasks() == [("apps.billing.tasks.charge_store_resolutions", f"({shop.pk},)")]
    gone.refresh_from_db()
    assert gone.status == SubscriptionStatus.CANCELLED


def test_analytics_counts_exactly_what_billing_charges(shop, shopify):
    subscribed(shop)
    billed = {
        conversation(shop).pk,
        conversation(shop, refund=("9.99", "USD")).pk,
        conversation(shop, status=ConversationStatus.RESOLVED, executed=()).pk,
    }
    for make in (abandoned, abandoned_proposal, escalated, human_finished):
        make(shop)
    shopify.on(CHARGE, usage_recorded())

    billing_run_store(shop.pk)
    today = timezone.now().date()
    data = store_analytics(shop, DateRange(today - timedelta(days=5), today), now=timezone.now())

    assert {c for c, _, _ in _ledger(shop)} == billed
    assert data.totals.ai_resolved == len(billed)
    assert data.totals.conversations == 7


def test_the_store_task_does_nothing_while_another_run_holds_the_store(shop, shopify):
    subscribed(shop)
    conversation(shop)
    shopify.on(CHARGE, usage_recorded())

    with named_lock(f"billing-run:{shop.pk}", timeout=30, wait=1):
        charge_store_resolutions(shop.pk)
    assert BillingLedgerEntry.objects.count() == 0

    charge_store_resolutions(shop.pk)
    assert _ledger(shop)[0][1] == LedgerStatus.CHARGED
