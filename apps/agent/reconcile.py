"""Finding actions that nobody will finish unless we do.

Two kinds are left behind by a process that died (a killed worker, a gunicorn timeout,
a deploy) or a publish the broker lost:

- `executing` for longer than RECONCILE_AFTER: the platform was asked, the outcome was
  never recorded. The money may have moved. Resuming under the same idempotency key asks
  the platform what it did (Shopify answers from the refund/return carrying the key's
  reference, the demo platform from its idempotency record) and records that outcome;
  if the platform did nothing, it does it now, once.
- approved (proposed, with approved_at) for longer than RECONCILE_AFTER: the execution
  task never ran.

The lock lease of an action (ACTION_LEASE_SECONDS) is far shorter than RECONCILE_AFTER,
and action_execute resumes only under the lock, so an execution still in progress is
never resumed beside itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from apps.conversations.models import ActionStatus, AgentAction

BATCH = 100


def reconcile_after() -> timedelta:
    return timedelta(seconds=settings.AGENT_ACTION_RECONCILE_SECONDS)


def stuck_action_ids(now: datetime, *, limit: int = BATCH) -> list[int]:
    """Actions left executing, or approved and never started, for longer than the bound;
    oldest first. Older than a week is history for a person to look at, not to retry."""
    before = now - reconcile_after()
    stuck = Q(status=ActionStatus.EXECUTING, execution_started_at__lt=before) | Q(
        status=ActionStatus.PROPOSED, approved_at__lt=before
    )
    return list(
        AgentAction.objects.filter(stuck, updated_at__gte=now - timedelta(days=7))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
