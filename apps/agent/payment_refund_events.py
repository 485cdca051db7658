"""A provider refund's later fate carried to its REFUND action (Stripe webhooks).

The refund's key names the store and the action (payments.base.refund_key), so the action is
found without trusting anything else in the event, and only within the event's store.
"""

from __future__ import annotations

from django.utils import timezone

from apps.agent.return_notices import tell_refund_failed
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.integrations.payments.base import RefundStatus
from apps.integrations.payments.models import PaymentRefundRecord


def refund_action_for(record: PaymentRefundRecord) -> AgentAction | None:
    """The REFUND action a provider refund was made for (its key names the store and the
    action; both must match the record's store)."""
    prefix = f"aftersale-refund-{record.store_id}-"
    if not record.key.startswith(prefix) or not record.key[len(prefix) :].isdigit():
        return None
    return AgentAction.objects.filter(
        store_id=record.store_id, pk=int(record.key[len(prefix) :]), kind=ActionKind.REFUND
    ).first()


def refund_settled(record: PaymentRefundRecord) -> AgentAction | None:
    """What the provider later reported, carried to the action: a refund that failed after
    it was reported made moves its action to failed (once), the merchant sees it there and
    in the escalated conversation, and the customer is told honestly; one that succeeded
    after pending has its result say so."""
    action = refund_action_for(record)
    if action is None:
        return None
    if record.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
        reason = record.failure_reason or record.status
        moved = AgentAction.objects.filter(pk=action.pk, status=ActionStatus.EXECUTED).update(
            status=ActionStatus.FAILED,
            error=f"Stripe reported the refund {record.status}: {reason}"[:1000],
            result={**(action.result or {}), "status": record.status},
            updated_at=timezone.now(),
        )
        if moved:
            tell_refund_failed(action)
    elif (action.result or {}).get("status") != record.status:
        AgentAction.objects.filter(pk=action.pk, status=ActionStatus.EXECUTED).update(
            result={**(action.result or {}), "status": record.status}, updated_at=timezone.now()
        )
    action.refresh_from_db()
    return action
