"""Conversation retention: the store's setting decides; messages and actions go with the
conversation; other stores, recent and still-active conversations stay; rollups remain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.conversations.models import AgentAction, Conversation, Message
from apps.conversations.retention import conversations_purge, store_conversations_purge
from apps.conversations.tasks import purge_conversations
from apps.dashboard.analytics import DateRange, store_analytics
from apps.dashboard.analytics.rollups import local_today, rollup_refresh
from apps.stores.models import StoreSettings
from tests.dashboard.conversation_shapes import conversation
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _keep(store, days: int) -> None:
    StoreSettings.objects.update_or_create(
        store=store, defaults={"conversation_retention_days": days}
    )


@pytest.mark.django_db(transaction=True)  # each batch commits: deferred FKs are checked
def test_the_default_keeps_two_years(store):
    kept = conversation(store, started=timezone.now() - timedelta(days=729))
    gone = conversation(store, started=timezone.now() - timedelta(days=731))
    # References between the erased rows: a reply to its question, an action to its message.
    question = Message.objects.get(conversation=gone, role="customer")
    Message.objects.filter(conversation=gone, role="assistant").update(reply_to=question)
    AgentAction.objects.filter(conversation=gone).update(message=question)

    report = purge_conversations()

    assert report["deleted"] == 1
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Message.objects.filter(conversation_id=gone.pk).exists()
    assert not AgentAction.objects.filter(conversation_id=gone.pk).exists()
    assert Message.objects.filter(conversation=kept).exists()


def test_each_store_its_own_setting_and_a_recent_message_keeps_it(store, other_store):
    _keep(store, 30)
    old = timezone.now() - timedelta(days=45)
    gone = conversation(store, started=old)
    still_talking = conversation(store, started=old)
    Conversation.objects.filter(pk=still_talking.pk).update(
        last_message_at=timezone.now() - timedelta(days=2)
    )
    elsewhere = conversation(other_store, started=old)  # default: two years

    conversations_purge()

    assert set(Conversation.objects.values_list("pk", flat=True)) == {
        still_talking.pk,
        elsewhere.pk,
    }
    assert gone.pk not in Message.objects.values_list("conversation_id", flat=True)


def test_bounded_batches(store, settings):
    settings.RETENTION_BATCH = 20  # two conversations a transaction
    _keep(store, 30)
    for n in range(5):
        conversation(store, started=timezone.now() - timedelta(days=40 + n))

    report = store_conversations_purge(store, budget_seconds=30)

    assert (report.deleted, report.batches, report.finished) == (5, 3, True)


def test_the_analytics_history_outlives_the_erased_conversations():
    store = StoreFactory()
    _keep(store, 30)
    now = timezone.now()
    started = now - timedelta(days=40)
    conversation(store, started=started, refund=("9.00", "USD"))
    day = timezone.localtime(started, store.zone).date()
    # Rolled up while the rows were there (the night after that day).
    StoreSettings.objects.filter(store=store).update(conversation_retention_days=730)
    store.refresh_from_db()
    rollup_refresh(store, day, day, now=now)
    _keep(store, 30)
    store.refresh_from_db()

    conversations_purge()
    data = store_analytics(store, DateRange(day, local_today(store, now)), now=now)

    assert not Conversation.objects.filter(store=store).exists()
    assert (data.totals.conversations, data.totals.ai_resolved) == (1, 1)
    assert [(r.currency, str(r.amount)) for r in data.refunds] == [("USD", "9.00")]
