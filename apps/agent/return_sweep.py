"""Returns whose prepaid label nobody will buy unless we enqueue it again.

A return the platform recorded enqueues its label task on commit (return_hook). A broker
outage at that moment, or a worker that died before the task was claimed, leaves the
return without a label, and only a re-run of the return would enqueue it again. The beat
sweep (return_tasks.sweep_return_labels) finds such returns:

- a `create_return` action executed more than RETURN_LABEL_SWEEP_AFTER_SECONDS ago (long
  after the normal task ran, so the sweep never races it) and less than LOOKBACK ago (a
  label days late is for a person to send, and a return the task skipped for good, e.g.
  no shipping address, stops being looked at);
- in a store whose settings ask for prepaid labels and whose EasyPost is connected (the
  task itself checks the whole setup);
- with no label action, or only one still `proposed` (created, never claimed: the task
  died in between). A label action executing is the action reconciler's; one executed or
  failed was told.

Enqueueing twice is safe: the label action's key derives from the return's, its claim lets
one execution through, and the purchase writes its intent row first (shipping.labels).
Both queries are served by partial indexes (action_return_recorded_idx,
action_label_return_idx; tests/test_hot_query_plans.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.stores.models import IntegrationCredential, IntegrationStatus, ReturnLabels, StoreSettings

BATCH = 100
LOOKBACK = timedelta(days=2)


def sweep_after() -> timedelta:
    return timedelta(seconds=settings.RETURN_LABEL_SWEEP_AFTER_SECONDS)


def returns_missing_a_label(now: datetime) -> QuerySet[AgentAction, int]:
    """Ids of recorded returns that should have a label task and have none, oldest first."""
    # parameters->>'return_action_id': the expression action_label_return_idx indexes.
    label_taken = (
        AgentAction.objects.filter(kind=ActionKind.RETURN_LABEL)
        .annotate(for_return=KeyTextTransform("return_action_id", "parameters"))
        .filter(for_return=Cast(OuterRef("pk"), CharField()))
        .exclude(status=ActionStatus.PROPOSED)
    )
    labels_on = StoreSettings.objects.filter(store_id=OuterRef("store_id")).exclude(
        return_labels=ReturnLabels.OFF
    )
    shipping = IntegrationCredential.objects.filter(
        store_id=OuterRef("store_id"), provider="easypost", status=IntegrationStatus.CONNECTED
    )
    return (
        AgentAction.objects.filter(
            kind=ActionKind.CREATE_RETURN,
            status=ActionStatus.EXECUTED,
            executed_at__lt=now - sweep_after(),
            executed_at__gte=now - LOOKBACK,
        )
        .filter(Exists(labels_on), Exists(shipping))
        .exclude(Exists(label_taken))
        .order_by("executed_at")
        .values_list("pk", flat=True)
    )
