"""Every side effect of the agent as an AgentAction, acted on at most once.

An action's idempotency key is a hash of what it does (store, kind, order, items, amount,
address) and of the request that asked for it (the conversation and the proposal the
customer said yes to, or the message that asked), so a retried task, a second "yes" or a
second approval finds the same row, while a new request for the same thing is a new action.
The row moves proposed -> executing -> executed / failed (awaiting_approval -> proposed on
approval) only through conditional updates. Three guards keep money moving once:

- the per-action lock: one caller at a time talks to the platform for an action;
- the claim: only a proposed (or, under the lock, an abandoned executing) row is claimed,
  so an action already executed or failed is never sent again;
- the key travels to the platform, which answers a repeat from its idempotency record.

`executing` is written before the platform is called. A process that dies after the
platform moved the money leaves the row there; whoever takes the lock next (the retried
turn, or the reconciler in apps.agent.reconcile) resumes it with the same key and records
the platform's original outcome.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import Sum
from django.utils import timezone

from apps.agent.label_executor import buy_return_label
from apps.agent.payment_refunds import refund_through_payments
from apps.agent.return_hook import return_recorded
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.core.locks import LockTimeout, named_lock
from apps.core.logging import redact
from apps.integrations.commerce.base import (
    Address,
    CommerceError,
    CommerceProvider,
    LineItemQuantity,
    PlatformRejected,
)
from apps.integrations.payments.base import PaymentsError
from apps.integrations.shipping.base import ShippingError

logger = logging.getLogger(__name__)

# The lock's lease, renewed while the platform call runs: a crashed holder blocks the
# action for at most this long.
ACTION_LEASE_SECONDS = 15.0
# How long a second caller waits for the first to finish before reporting the action as
# executing (the customer hears "being processed"; the reconciler finishes it if needed).
ACTION_LOCK_WAIT = 5.0


def idempotency_key(*, store_id: int, kind: str, **what: object) -> str:
    """`kind:` + sha256 of the canonical JSON of what the action does (stable across runs)."""
    payload = json.dumps(
        {"store": store_id, "kind": kind, **what},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return f"{kind}:{hashlib.sha256(payload.encode()).hexdigest()}"


@dataclass(frozen=True)
class ActionSpec:
    """A side effect to perform on one order: everything needed to run it from the row alone."""

    kind: str
    order_id: str
    order_name: str
    amount: Decimal | None = None
    currency: str = ""
    items: tuple[LineItemQuantity, ...] = ()
    address: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    note: str = ""
    # For the replies and the audit trail; not part of what the action does.
    item_titles: tuple[str, ...] = ()
    # Who asked: the conversation and the request in it (a proposal id, or "message:<pk>").
    conversation_id: int | None = None
    request: str = ""

    def key(self, store_id: int) -> str:
        return idempotency_key(
            store_id=store_id,
            kind=self.kind,
            conversation=self.conversation_id,
            request=self.request,
            order=self.order_id,
            amount=str(self.amount) if self.amount is not None else None,
            currency=self.currency.upper(),
            items=sorted([i.line_item_id, i.quantity] for i in self.items),
            address=self.address,
            note=self.note,
        )

    def parameters(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "order_name": self.order_name,
            "amount": str(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "items": [{"line_item_id": i.line_item_id, "quantity": i.quantity} for i in self.items],
            "address": self.address,
            "reason": self.reason,
            "note": self.note,
            "item_titles": list(self.item_titles),
        }


def _items(action: AgentAction) -> list[LineItemQuantity]:
    return [
        LineItemQuantity(str(i["line_item_id"]), int(i["quantity"]))
        for i in action.parameters.get("items") or []
    ]


Outcome = tuple[dict[str, Any], dict[str, Any]]  # (result, evidence)


def _refund(provider: CommerceProvider, action: AgentAction) -> Outcome:
    through_payments = refund_through_payments(provider, action)  # e.g. paid via Stripe
    if through_payments is not None:
        return through_payments
    params = action.parameters
    done = provider.refund(
        order_id=params["order_id"],
        amount=Decimal(params["amount"]),
        line_items=_items(action) or None,
        reason=params.get("reason") or "Customer request",
        idempotency_key=action.idempotency_key,
    )
    result = {"refund_id": done.refund_id, "amount": str(done.amount), "currency": done.currency}
    return result, done.evidence


def _cancel(provider: CommerceProvider, action: AgentAction) -> Outcome:
    done = provider.cancel_order(
        order_id=action.parameters["order_id"],
        reason="customer",
        refund=True,
        restock=True,
        idempotency_key=action.idempotency_key,
    )
    return {"order_id": done.order_id, "refunded": done.refunded}, done.evidence


def _change_address(provider: CommerceProvider, action: AgentAction) -> Outcome:
    order = provider.update_shipping_address(
        order_id=action.parameters["order_id"],
        address=Address(**action.parameters["address"]),
        idempotency_key=action.idempotency_key,
    )
    shipped_to = order.shipping_address.one_line() if order.shipping_address else ""
    return {"order_id": order.id, "shipping_address": shipped_to}, {"order_id": order.id}


def _create_return(provider: CommerceProvider, action: AgentAction) -> Outcome:
    done = provider.create_return(
        order_id=action.parameters["order_id"],
        line_items=_items(action),
        reason=action.parameters.get("reason") or "Customer request",
        idempotency_key=action.idempotency_key,
    )
    return {"return_id": done.return_id, "status": done.status}, done.evidence


def _add_note(provider: CommerceProvider, action: AgentAction) -> Outcome:
    order_id = action.parameters["order_id"]
    provider.add_note(order_id=order_id, note=action.parameters["note"])
    return {"order_id": order_id, "note": action.parameters["note"]}, {"order_id": order_id}


EXECUTORS: dict[str, Callable[[CommerceProvider, AgentAction], Outcome]] = {
    ActionKind.ADD_ORDER_NOTE: _add_note,
    ActionKind.REFUND: _refund,
    ActionKind.CANCEL_ORDER: _cancel,
    ActionKind.CHANGE_ADDRESS: _change_address,
    ActionKind.CREATE_RETURN: _create_return,
    ActionKind.RETURN_LABEL: buy_return_label,
}


def refunded_without_approval(
    *, store_id: int, order_id: str, besides: int | None = None
) -> Decimal:
    """What the agent refunded (or is refunding) on one order with nobody's approval: the
    sum the merchant's auto-approve limit holds for, however the refunds were split.
    `besides`: an action not to count (the one about to be retried)."""
    refunds = AgentAction.objects.filter(
        store_id=store_id, kind=ActionKind.REFUND, parameters__order_id=order_id, approved_by=""
    )
    if besides is not None:
        refunds = refunds.exclude(pk=besides)
    total = refunds.exclude(
        status__in=(ActionStatus.FAILED, ActionStatus.REJECTED, ActionStatus.AWAITING_APPROVAL)
    ).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0)


def action_get_or_create(
    *,
    spec: ActionSpec,
    store_id: int,
    conversation_id: int,
    message_id: int | None,
    order_pk: int | None,
    status: str,
    policy_version: int,
    policy_reason: str,
) -> tuple[AgentAction, bool]:
    """The action row for `spec`, created in `status` unless one with its key exists."""
    return AgentAction.objects.get_or_create(
        idempotency_key=spec.key(store_id),
        defaults={
            "store_id": store_id,
            "conversation_id": conversation_id,
            "message_id": message_id,
            "order_id": order_pk,
            "kind": spec.kind,
            "status": status,
            "parameters": spec.parameters(),
            "amount": spec.amount,
            "currency": spec.currency,
            "policy_version": policy_version,
            "policy_reason": policy_reason[:300],
        },
    )


def action_execute(action: AgentAction, provider: CommerceProvider) -> AgentAction:
    """Run a proposed action on the platform once; record executed (with the platform's
    response as evidence) or failed (with the error). Idempotent: an action another caller
    already finished is returned as it is, and one another caller is executing right now
    is returned as executing. A failed one is retried (same key); one left executing by a
    dead process is resumed (same key: the platform answers with what it already did)."""
    try:
        with named_lock(
            f"agent-action:{action.pk}",
            timeout=ACTION_LEASE_SECONDS,
            wait=ACTION_LOCK_WAIT,
            renew=True,
        ):
            done = _execute_locked(action, provider)
    except LockTimeout:
        action.refresh_from_db()
        return action
    return_recorded(done)  # a recorded return may be followed by its prepaid label
    return done


def _execute_locked(action: AgentAction, provider: CommerceProvider) -> AgentAction:
    AgentAction.objects.filter(pk=action.pk, status=ActionStatus.FAILED).update(
        status=ActionStatus.PROPOSED, error=""
    )
    # Under the lock nobody else is executing it, so `executing` here means a process died
    # mid-call: claim it again and resume under the same key.
    now = timezone.now()
    claimed = AgentAction.objects.filter(
        pk=action.pk, status__in=(ActionStatus.PROPOSED, ActionStatus.EXECUTING)
    ).update(status=ActionStatus.EXECUTING, execution_started_at=now, updated_at=now)
    action.refresh_from_db()
    if not claimed:
        return action
    try:
        result, evidence = EXECUTORS[action.kind](provider, action)
    except SoftTimeLimitExceeded:
        raise  # the turn is out of time; the row stays executing and is resumed later
    except PlatformRejected as exc:
        # A refusal: the platform did nothing, which the customer may be told plainly.
        refused = {"refused": True, "code": exc.code}
        error = str(exc) or type(exc).__name__
        return _finish(action, ActionStatus.FAILED, error=error, evidence=refused)
    except PaymentsError as exc:
        if exc.retryable:
            # The money may have moved (a 500 after the refund was made): left executing,
            # resumed under the same key by the reconciler, which finds the one refund.
            logger.warning("action %s: payments provider unavailable: %s", action.pk, exc)
            return action
        return _finish(action, ActionStatus.FAILED, error=exc.message or type(exc).__name__)
    except (CommerceError, ShippingError) as exc:
        return _finish(action, ActionStatus.FAILED, error=str(exc) or type(exc).__name__)
    except Exception as exc:  # a failed side effect must be recorded whatever raised
        logger.exception("agent action %s raised unexpectedly", action.pk)
        return _finish(
            action, ActionStatus.FAILED, error=f"Unexpected error ({type(exc).__name__})"
        )
    return _finish(action, ActionStatus.EXECUTED, result=result, evidence=evidence)


def action_await_approval_again(action: AgentAction) -> AgentAction:
    """Put a failed action back in the merchant's queue (a new request for something that
    needs approval is never executed on the strength of an old approval)."""
    AgentAction.objects.filter(pk=action.pk, status=ActionStatus.FAILED).update(
        status=ActionStatus.AWAITING_APPROVAL,
        approved_by="",
        approved_at=None,
        updated_at=timezone.now(),
    )
    action.refresh_from_db()
    return action


def action_fail(action: AgentAction, error: str) -> AgentAction:
    """Mark a proposed action failed without calling the platform (a check refused it)."""
    AgentAction.objects.filter(pk=action.pk, status=ActionStatus.PROPOSED).update(
        status=ActionStatus.FAILED, error=redact(error)[:1000], updated_at=timezone.now()
    )
    action.refresh_from_db()
    return action


def _finish(
    action: AgentAction,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
    error: str = "",
) -> AgentAction:
    """Record the outcome of this caller's execution. Fenced on the claim: an execution
    that lost its lease to a resumed one cannot overwrite the outcome recorded there."""
    AgentAction.objects.filter(
        pk=action.pk,
        status=ActionStatus.EXECUTING,
        execution_started_at=action.execution_started_at,
    ).update(
        status=status,
        result=result or {},
        evidence=_jsonable(evidence or {}),
        error=redact(error)[:1000],
        executed_at=timezone.now() if status == ActionStatus.EXECUTED else None,
        updated_at=timezone.now(),
    )
    action.refresh_from_db()
    return action


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    """The platform's response as plain JSON (Decimals and datetimes as strings)."""
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return loaded


def record(
    *,
    kind: str,
    store_id: int,
    conversation_id: int,
    message_id: int,
    order_pk: int | None = None,
    parameters: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    status: str = ActionStatus.EXECUTED,
    error: str = "",
    policy_version: int | None = None,
    policy_reason: str = "",
) -> AgentAction:
    """An unsaved row for a lookup or an escalation, saved with the turn's reply.

    Its key names the message it answers, so a retried turn cannot record it twice.
    """
    parameters = parameters or {}
    return AgentAction(
        store_id=store_id,
        conversation_id=conversation_id,
        message_id=message_id,
        order_id=order_pk,
        kind=kind,
        status=status,
        idempotency_key=idempotency_key(
            store_id=store_id, kind=kind, message=message_id, **parameters
        ),
        parameters=parameters,
        result=_jsonable(result or {}),
        error=error,
        policy_version=policy_version,
        policy_reason=policy_reason[:300],
        executed_at=timezone.now() if status == ActionStatus.EXECUTED else None,
    )
