"""Conversations are kept as long as the merchant's setting says (default two years).

StoreSettings.conversation_retention_days (30 days to 10 years): a conversation whose last
message is older than that is erased with its messages and actions, a batch of
conversations per short transaction. Compliance webhooks (customers/redact, shop/redact)
erase earlier, on their own. The analytics rollups keep each day's totals: a day is rolled
up the night after it ends, long before its conversations expire (run
`manage.py analytics_rollups --days N` once after deploying rollups onto older data).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.conversations.models import AgentAction, Conversation, Message
from apps.core.retention import Purge, purge_in_batches
from apps.stores.models import Store, StoreSettings

DEFAULT_DAYS = StoreSettings._meta.get_field("conversation_retention_days").default


def retention_cutoff(store: Store, now: datetime) -> datetime:
    keep = (
        StoreSettings.objects.filter(store=store)
        .values_list("conversation_retention_days", flat=True)
        .first()
    )
    return now - timedelta(days=keep or DEFAULT_DAYS)


def expired_conversations(store: Store, cutoff: datetime) -> QuerySet[Conversation]:
    """`store`'s conversations quiet since before `cutoff`, oldest first ((store, created_at)
    index: a conversation starts before its last message)."""
    quiet = Q(last_message_at__lt=cutoff) | Q(last_message_at__isnull=True)
    return Conversation.objects.filter(quiet, store=store, created_at__lt=cutoff).order_by(
        "created_at"
    )


def erase_conversations(ids: list[int]) -> None:
    """Delete conversations with their actions and messages (children first).

    Messages go in one plain DELETE: the ORM would load each into memory to null the
    references to it, yet the only ones are from the same conversations' actions (gone
    first) and replies (going with them; the constraints are checked at commit).
    """
    AgentAction.objects.filter(conversation_id__in=ids).delete()
    messages = Message.objects.filter(conversation_id__in=ids)
    messages._raw_delete(messages.db)
    Conversation.objects.filter(pk__in=ids).delete()


def store_conversations_purge(store: Store, *, budget_seconds: float) -> Purge:
    cutoff = retention_cutoff(store, timezone.now())
    return purge_in_batches(
        lambda: expired_conversations(store, cutoff),
        batch=max(1, settings.RETENTION_BATCH // 10),  # each brings ~10 messages and actions
        budget_seconds=budget_seconds,
        erase=erase_conversations,
    )


def conversations_purge(*, budget_seconds: float | None = None) -> Purge:
    """Every store in turn, within one time budget; what is left waits for the next run."""
    budget = settings.RETENTION_RUN_SECONDS if budget_seconds is None else budget_seconds
    started = timezone.now()
    deleted = batches = 0
    finished = True
    for store in Store.objects.order_by("pk").iterator():
        spent = (timezone.now() - started).total_seconds()
        if spent >= budget:
            finished = False
            break
        done = store_conversations_purge(store, budget_seconds=budget - spent)
        deleted, batches = deleted + done.deleted, batches + done.batches
        finished = finished and done.finished
    return Purge(deleted, batches, (timezone.now() - started).total_seconds(), finished)
