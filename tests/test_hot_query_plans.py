"""Each hot query is served by its index: the inbox filters, the unanswered-message sweep,
the webhook sweeps and the billing charge sweep, on a generated store, planned by
PostgreSQL with the querysets the code itself runs.

Sequential scans are priced out (`enable_seqscan = off`), so the plan shows which index
can serve the query at all: a query whose shape stops matching its index (a partial
index's condition, a column order) or an index dropped by a migration makes the planner
fall back to a whole-table scan and fails here. bench/dashboard.py runs the same querysets
with EXPLAIN ANALYZE at 1,000,000 conversations, where the planner's own choice is timed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from apps.agent import return_sweep
from apps.agent.tasks import SWEEP_BATCH, unanswered_messages
from apps.billing.usage import CANDIDATES, LOOKBACK, unbilled_candidates
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.dashboard.selectors import inbox as inbox_selectors
from apps.dashboard.selectors.inbox import InboxFilters, conversations_filtered
from apps.stores.fields import Secret
from apps.stores.models import IntegrationCredential, IntegrationStatus, ReturnLabels, StoreSettings
from apps.webhooks.maintenance import pending_passed_over, retries_due, stale_processing
from apps.webhooks.models import WebhookEvent, WebhookStatus
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

BIG_TABLES = (
    "conversations_conversation",
    "conversations_message",
    "conversations_agentaction",
    "webhooks_webhookevent",
)
CONVERSATIONS = 1500
# Sweeps served by a partial index keyed by their ORDER BY: read in order, never sorted
# (an outage strands far more rows than one batch takes).
IN_INDEX_ORDER = frozenset({"pending-webhook sweep", "billing charge sweep"})
# Of those, read whole (the partial index's predicate is the whole condition).
NO_INDEX_COND = frozenset({"pending-webhook sweep"})
STATUSES = [s.value for s in ConversationStatus]
INTENTS = ["order_status", "refund_request", "return_request", "complaint", ""]


def _meta_index(model: type[Model], fields: list[str]) -> str:
    """The name Django gave an unnamed Meta index."""
    return next(str(i.name) for i in model._meta.indexes if list(i.fields) == fields)


def _generate(store: Any, other: Any) -> None:
    now = timezone.now()
    # The store looked at is the smaller one: an index that is not scoped to the store
    # would have to walk past the other store's rows.
    for owner, count in ((store, CONVERSATIONS // 3), (other, CONVERSATIONS)):
        Conversation.objects.bulk_create(
            Conversation(
                store=owner,
                status=STATUSES[n % len(STATUSES)],
                primary_intent=INTENTS[n % len(INTENTS)],
                last_message_at=now - timedelta(hours=n),
                resolved_at=now - timedelta(hours=n) if n % 5 == 4 else None,
            )
            for n in range(count)
        )
    conversations = list(Conversation.objects.values_list("pk", "store_id"))
    Message.objects.bulk_create(
        Message(
            store_id=store_id,
            conversation_id=pk,
            role=MessageRole.CUSTOMER if turn % 2 == 0 else MessageRole.ASSISTANT,
            text="Where is my order?",
            # All answered but the odd recent one, as in a healthy store.
            handled_at=None if (pk % 97 == 0 and turn == 2) else now,
        )
        for pk, store_id in conversations
        for turn in range(4)
    )
    AgentAction.objects.bulk_create(
        AgentAction(
            store_id=store_id,
            conversation_id=pk,
            kind=ActionKind.REFUND,
            status=ActionStatus.AWAITING_APPROVAL if pk % 50 == 0 else ActionStatus.EXECUTED,
            idempotency_key=f"plan-test:{pk}",
        )
        for pk, store_id in conversations[::3]
    )
    # Returns over the last three months, nearly all with their label action; the store
    # looked at buys prepaid labels.
    returns = AgentAction.objects.bulk_create(
        AgentAction(
            store_id=store_id,
            conversation_id=pk,
            kind=ActionKind.CREATE_RETURN,
            status=ActionStatus.EXECUTED,
            executed_at=now - timedelta(hours=pk % 2000),
            idempotency_key=f"plan-return:{pk}",
        )
        for pk, store_id in conversations[1::3]
    )
    AgentAction.objects.bulk_create(
        AgentAction(
            store_id=r.store_id,
            conversation_id=r.conversation_id,
            kind=ActionKind.RETURN_LABEL,
            status=ActionStatus.EXECUTED,
            parameters={"return_action_id": r.pk},
            idempotency_key=f"plan-label:{r.pk}",
        )
        for n, r in enumerate(returns)
        if n % 40
    )
    StoreSettings.objects.update_or_create(
        store=store, defaults={"return_labels": ReturnLabels.MERCHANT_PAYS}
    )
    IntegrationCredential.objects.create(
        store=store, provider="easypost", config=Secret("{}"), status=IntegrationStatus.CONNECTED
    )
    statuses = [WebhookStatus.PROCESSED] * 40 + [
        WebhookStatus.PENDING,
        WebhookStatus.FAILED,
        WebhookStatus.PROCESSING,
        WebhookStatus.IGNORED,
    ]
    WebhookEvent.objects.bulk_create(
        WebhookEvent(
            provider="shopify",
            shop_domain=store.domain,
            topic="orders/updated",
            event_id=f"plan-{n}",
            webhook_id=f"plan-{n}",
            api_version="2026-10",
            payload={"id": n},
            status=statuses[n % len(statuses)],
        )
        for n in range(6000)
    )
    with connection.cursor() as cursor:
        # Spread over three months, as a store's history is; then fresh statistics.
        cursor.execute(
            "UPDATE conversations_conversation "
            "SET created_at = now() - (id % 90) * interval '1 day'"
        )
        cursor.execute(
            "UPDATE conversations_message SET created_at = now() - (id % 2000) * interval '1 min'"
        )
        cursor.execute(
            "UPDATE webhooks_webhookevent "
            "SET received_at = now() - (id % 500) * interval '1 hour', "
            "dispatched_at = CASE WHEN id % 3 = 0 THEN NULL ELSE now() - interval '1 hour' END, "
            "claimed_at = now() - interval '2 hours', next_attempt_at = now() - interval '1 hour'"
        )
        for table in BIG_TABLES:
            cursor.execute(f"ANALYZE {table}")


def _uses(plan: str, index: str) -> bool:
    """Whether the plan scans `index` with an Index Cond (a range of it, not all of it)."""
    lines = plan.splitlines()
    for n, line in enumerate(lines):
        if f" {index} " in f"{line} " and n + 1 < len(lines) and "Index Cond" in lines[n + 1]:
            return True
    return False


def _serves(name: str, plan: str, index: str) -> bool:
    """Whether `index` serves the query: scanned with an Index Cond (unless its partial
    predicate is the whole condition) and, for a sweep that takes its first rows in
    order, walked in that order up to the LIMIT with nothing sorted."""
    if name in NO_INDEX_COND:
        used = any(f" {index} " in f"{line} " for line in plan.splitlines())
    else:
        used = _uses(plan, index)
    return used and (name not in IN_INDEX_ORDER or "Sort" not in plan)


class _Raw:
    """A raw statement the code runs, explained like a queryset."""

    def __init__(self, sql: str, params: dict[str, Any]) -> None:
        self.sql, self.params = sql, params

    def explain(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {self.sql}", self.params)
            return "\n".join(row[0] for row in cursor.fetchall())


def _plan(queryset: Any, *, in_order: bool = False) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Likewise a sort, for a sweep that takes its first rows in order: on a small
        # generated store sorting a few hundred rows is cheap; on a big one the index must
        # hand them over in order. (The test's own transaction outlives this block: set
        # either way.)
        cursor.execute(f"SET LOCAL enable_sort = {'off' if in_order else 'on'}")
        return str(queryset.explain())


def test_each_hot_query_is_served_by_its_index(monkeypatch: pytest.MonkeyPatch) -> None:
    # The webhook sweep asks the broker how long its queue is: an idle broker.
    monkeypatch.setattr("apps.webhooks.backlog.queued_messages", lambda queue: 0)
    store, other = StoreFactory(), StoreFactory()
    _generate(store, other)
    now = timezone.now()
    by_created = _meta_index(Conversation, ["store", "-created_at"])
    cases: dict[str, tuple[Any, str]] = {
        "inbox": (conversations_filtered(store, InboxFilters())[:25], by_created),
        "inbox by status": (
            conversations_filtered(store, InboxFilters(status=ConversationStatus.ESCALATED))[:25],
            "conversation_store_status",
        ),
        "inbox by intent": (
            conversations_filtered(store, InboxFilters(intent="refund_request"))[:25],
            "conversation_store_intent",
        ),
        "inbox poll (anything changed?)": (
            _Raw(
                inbox_selectors._VERSION_SQL.format(table="conversations_conversation"),
                {"store": store.pk, "cap": inbox_selectors.COUNT_CAP + 1},
            ),
            "conversation_store_updated",
        ),
        "inbox awaiting approval": (
            conversations_filtered(store, InboxFilters(needs_approval=True))[:25],
            _meta_index(AgentAction, ["store", "status"]),
        ),
        "unanswered-message sweep": (
            unanswered_messages(now)[:SWEEP_BATCH],
            "message_unanswered_idx",
        ),
        "pending-webhook sweep": (
            pending_passed_over(now).order_by("pk")[:SWEEP_BATCH],
            "webhookevent_pending_id",
        ),
        "webhook retry sweep": (retries_due(now).order_by("pk")[:SWEEP_BATCH], "webhookevent_open"),
        "stale webhook claims": (
            stale_processing(now).order_by("pk")[:SWEEP_BATCH],
            "webhookevent_open",
        ),
        "lost-label sweep (recorded returns)": (
            return_sweep.returns_missing_a_label(now)[: return_sweep.BATCH],
            "action_return_recorded_idx",
        ),
        "lost-label sweep (their label actions)": (
            return_sweep.returns_missing_a_label(now)[: return_sweep.BATCH],
            "action_label_return_idx",
        ),
        "billing charge sweep": (
            unbilled_candidates(store, since=now - LOOKBACK)[:CANDIDATES],
            "conversation_unbilled",
        ),
    }
    problems = {}
    for name, (queryset, index) in cases.items():
        plan = _plan(queryset, in_order=name in IN_INDEX_ORDER)
        scanned = [t for t in BIG_TABLES if f"Seq Scan on {t}" in plan]
        # The index used with a condition on its leading column, not read whole; or, for
        # a sweep that takes the first rows in id order, read in that order with no sort.
        if scanned or not _serves(name, plan, index):
            problems[name] = f"wants {index}; scans {scanned}\n{plan}"
    assert problems == {}, "\n\n".join(f"{k}: {v}" for k, v in problems.items())
