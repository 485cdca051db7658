"""The merchant's decisions on actions the agent could not take alone, and carrying them out.

    action_approve(action_id, store, approved_by)   # records the decision, enqueues the work
    action_reject(action_id, store, rejected_by, reason="")
    action_carry_out(action_id)                     # the worker's part: executes exactly once

Approving only records who approved and enqueues the execution (after commit), so the
dashboard answers at once whatever the platform does; the worker calls the platform and
tells the customer. Decisions are scoped to `store` (another store's action does not
exist for the caller), both are idempotent, and the customer hears each outcome once.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.agent.actions import action_execute, action_fail
from apps.agent.replies import fmt_money, say
from apps.agent.return_notices import label_told_once
from apps.agent.skills.describe import what
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Message
from apps.conversations.services import message_add_assistant
from apps.integrations.commerce.base import CommerceError, CommerceProvider
from apps.integrations.commerce.registry import get_commerce_provider
from apps.stores.models import Store
from apps.stores.services import store_settings

logger = logging.getLogger(__name__)

FINAL_STATUSES = (ActionStatus.EXECUTED, ActionStatus.FAILED)


def _get(action_id: int, store: Store) -> AgentAction:
    """The store's action; AgentAction.DoesNotExist for any other store's id."""
    return AgentAction.objects.select_related("conversation").get(pk=action_id, store=store)


def action_approve(action_id: int, store: Store, approved_by: str) -> AgentAction:
    """Approve an awaiting action: record the decision and, once committed, enqueue its
    execution (see action_carry_out). Returns the action as it stands (proposed and
    approved; the worker moves it on).

    Exactly one caller wins the awaiting_approval -> proposed transition (a conditional
    UPDATE), so two approvals at once enqueue once; the loser gets the action as it stands.
    Raises AgentAction.DoesNotExist when the id is not this store's.
    """
    action = _get(action_id, store)
    now = timezone.now()
    with transaction.atomic():
        claimed = AgentAction.objects.filter(
            pk=action.pk, store=store, status=ActionStatus.AWAITING_APPROVAL
        ).update(
            status=ActionStatus.PROPOSED,
            approved_by=(approved_by or "")[:200],
            approved_at=now,
            updated_at=now,
        )
        if claimed:
            transaction.on_commit(lambda: _enqueue_execution(action.pk))
    action.refresh_from_db()
    return action


def _enqueue_execution(action_id: int) -> None:
    """Never raises: a lost publish leaves the approved action proposed, and the
    reconciler enqueues it again (apps.agent.reconcile)."""
    from apps.agent.tasks import execute_action

    try:
        execute_action.apply_async((action_id,), retry=False)
    except Exception:  # kombu, redis and socket errors alike
        logger.warning(
            "approved action %s not enqueued (broker unavailable); the reconciler will run it",
            action_id,
            exc_info=True,
        )


def action_carry_out(action_id: int) -> AgentAction | None:
    """Execute an approved action, or resume one a dead process left executing; then tell
    the customer the outcome if no reply of the agent will (at most once).

    Idempotent: an action already finished is only reported (once), and one another caller
    is executing is left to it. Money is checked again against what the order can still
    refund before a first attempt (not on a resume: the refund may be what lowered it).
    Returns None for an unknown id.
    """
    action = (
        AgentAction.objects.select_related("conversation", "store", "message")
        .filter(pk=action_id)
        .first()
    )
    if action is None:
        return None
    if action.status == ActionStatus.PROPOSED and action.approved_at is not None:
        provider = get_commerce_provider(action.store)
        problem = _still_refundable(provider, action)
        action = action_fail(action, problem) if problem else action_execute(action, provider)
    elif action.status == ActionStatus.EXECUTING:
        action = action_execute(action, get_commerce_provider(action.store))
    if action.kind == ActionKind.RETURN_LABEL:
        label_told_once(action)  # the label link (or why none), not a generic outcome
    elif action.status in FINAL_STATUSES and _nobody_else_tells(action):
        _tell_customer_once(action)
    return action


def _nobody_else_tells(action: AgentAction) -> bool:
    """An approved action is reported here; an agent action only when the turn that
    asked for it has already answered without the outcome (it was cut short)."""
    if action.approved_at is not None:
        return True
    return (
        action.message_id is not None
        and Message.objects.filter(pk=action.message_id, handled_at__isnull=False).exists()
    )


def _still_refundable(provider: CommerceProvider, action: AgentAction) -> str:
    """Why the money may no longer move ("" when it may): never above what is refundable."""
    if action.amount is None:
        return ""
    try:
        order = provider.get_order(str(action.parameters.get("order_id", "")))
    except CommerceError as exc:
        return f"Could not load the order: {exc}"
    if order is None:
        return "The order no longer exists."
    if Decimal(action.amount) > order.refundable_amount:
        refundable = fmt_money(order.refundable_amount, order.currency)
        return f"Only {refundable} is still refundable on this order."
    return ""


def action_reject(action_id: int, store: Store, rejected_by: str, reason: str = "") -> AgentAction:
    """Turn down an awaiting action (idempotent; a decided action is returned unchanged).

    Raises AgentAction.DoesNotExist when the id is not this store's.
    """
    action = _get(action_id, store)
    rejected = AgentAction.objects.filter(
        pk=action.pk, store=store, status=ActionStatus.AWAITING_APPROVAL
    ).update(
        status=ActionStatus.REJECTED,
        result={"rejected_by": (rejected_by or "")[:200], "reason": (reason or "")[:500]},
        updated_at=timezone.now(),
    )
    action.refresh_from_db()
    if rejected:
        _tell_customer_once(action)
    return action


def _tell_customer_once(action: AgentAction) -> None:
    """Post the outcome in the customer's conversation, only what the platform confirmed;
    the conditional UPDATE on outcome_told_at makes a second caller post nothing."""
    with transaction.atomic():
        claimed = AgentAction.objects.filter(pk=action.pk, outcome_told_at__isnull=True).update(
            outcome_told_at=timezone.now()
        )
        if claimed:
            message_add_assistant(
                action.conversation,
                _outcome_text(action),
                metadata={"action_ids": [action.pk], "kind": "approval"},
            )


def _outcome_text(action: AgentAction) -> str:
    tone = store_settings(action.store).tone
    order_name = str(action.parameters.get("order_name", ""))
    amount = fmt_money(action.amount, action.currency) if action.amount is not None else ""
    doing = what(action.kind, order_name, amount=amount, items="the items", address="")
    approved = action.approved_at is not None
    if action.status == ActionStatus.EXECUTED:
        return say("approved_done" if approved else "done_later", tone, what=doing)
    if action.status == ActionStatus.REJECTED:
        return say("approval_rejected", tone, what=doing)
    return say("approved_failed" if approved else "failed_later", tone, what=doing)
