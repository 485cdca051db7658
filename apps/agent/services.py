"""The merchant's decisions on actions the agent could not take alone.

    action_approve(action_id, store, approved_by)   # executes exactly once
    action_reject(action_id, store, rejected_by, reason="")

Both are scoped to `store` (another store's action does not exist for the caller), both
are idempotent, and both tell the customer in their conversation.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from apps.agent.actions import action_execute, action_fail
from apps.agent.replies import fmt_money, say
from apps.agent.skills.describe import what
from apps.conversations.models import ActionStatus, AgentAction
from apps.conversations.services import message_add_assistant
from apps.integrations.commerce.base import CommerceError, CommerceProvider
from apps.integrations.commerce.registry import get_commerce_provider
from apps.stores.models import Store
from apps.stores.services import store_settings


def _get(action_id: int, store: Store) -> AgentAction:
    """The store's action; AgentAction.DoesNotExist for any other store's id."""
    return AgentAction.objects.select_related("conversation").get(pk=action_id, store=store)


def action_approve(action_id: int, store: Store, approved_by: str) -> AgentAction:
    """Approve an awaiting action and carry it out on the platform.

    Exactly one caller wins the awaiting_approval -> proposed transition (a conditional
    UPDATE), so two approvals at once execute once; the loser gets the action as it
    stands. Money is checked again against what the order can still refund. Raises
    AgentAction.DoesNotExist when the id is not this store's.
    """
    action = _get(action_id, store)
    claimed = AgentAction.objects.filter(
        pk=action.pk, store=store, status=ActionStatus.AWAITING_APPROVAL
    ).update(
        status=ActionStatus.PROPOSED,
        approved_by=(approved_by or "")[:200],
        approved_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not claimed:
        action.refresh_from_db()
        return action
    provider = get_commerce_provider(store)
    action.refresh_from_db()
    problem = _still_refundable(provider, action)
    action = action_fail(action, problem) if problem else action_execute(action, provider)
    _tell_customer(action, store)
    return action


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
        _tell_customer(action, store)
    return action


def _tell_customer(action: AgentAction, store: Store) -> None:
    """Post the outcome in the customer's conversation: only what the platform confirmed."""
    tone = store_settings(store).tone
    order_name = str(action.parameters.get("order_name", ""))
    amount = fmt_money(action.amount, action.currency) if action.amount is not None else ""
    doing = what(action.kind, order_name, amount=amount, items="the items", address="")
    if action.status == ActionStatus.EXECUTED:
        text = say("approved_done", tone, what=doing)
    elif action.status == ActionStatus.REJECTED:
        text = say("approval_rejected", tone, what=doing)
    else:
        text = say("approved_failed", tone, what=doing)
    message_add_assistant(
        action.conversation, text, metadata={"action_ids": [action.pk], "kind": "approval"}
    )
