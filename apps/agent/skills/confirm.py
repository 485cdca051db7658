"""The customer's yes/no to a proposed action: re-check the rules on fresh data, then act.

The proposal is re-decided against the order as the platform reports it now and the
merchant's current settings, so a yes given after the order shipped, or after the
merchant lowered a limit, acts on today's rules. The action's key is derived from the
proposal, so a second yes (or a retried task) finds the first action instead of acting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from apps.agent.actions import (
    ActionSpec,
    action_await_approval_again,
    action_execute,
    action_get_or_create,
    refunded_without_approval,
)
from apps.agent.context import Draft, Turn
from apps.agent.policy import (
    Decision,
    Outcome,
    address_change_decision,
    cancel_decision,
    refund_decision,
    return_eligibility,
)
from apps.agent.replies import fmt_money
from apps.agent.skills.describe import what
from apps.agent.skills.proposals import declined, report
from apps.agent.state import Awaiting, Pending
from apps.agent.verify import locked, record_lookup_of_verified
from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Message, MessageRole
from apps.integrations.commerce.base import LineItemQuantity, OrderInfo


def spec_of(pending: Pending, conversation_id: int | None = None) -> ActionSpec:
    """What a yes to `pending` does; keyed on the conversation and this very proposal."""
    return ActionSpec(
        kind=pending.kind,
        order_id=pending.order_id,
        order_name=pending.order_name,
        amount=Decimal(pending.amount) if pending.amount else None,
        currency=pending.currency,
        items=tuple(
            LineItemQuantity(str(i["line_item_id"]), int(i["quantity"])) for i in pending.items
        ),
        address=dict(pending.address),
        reason=pending.reason,
        item_titles=tuple(pending.item_titles),
        conversation_id=conversation_id,
        request=f"proposal:{pending.proposal_id}" if pending.proposal_id else "",
    )


def _redecide(turn: Turn, spec: ActionSpec, order: OrderInfo, twin: AgentAction | None) -> Decision:
    rules, now = turn.rules, turn.now
    if spec.kind == ActionKind.REFUND:
        wanted = {i.line_item_id for i in spec.items} or None
        already = refunded_without_approval(
            store_id=turn.store.pk, order_id=order.id, besides=twin.pk if twin else None
        )
        return refund_decision(
            rules, order, now, requested=spec.amount, wanted=wanted, refunded_unapproved=already
        )
    if spec.kind == ActionKind.CANCEL_ORDER:
        return cancel_decision(rules, order, now)
    if spec.kind == ActionKind.CHANGE_ADDRESS:
        return address_change_decision(rules, order)
    decision = return_eligibility(rules, order, now, {i.line_item_id for i in spec.items})
    if decision.allowed and set(decision.items) != set(spec.items):
        # Something changed (a partial refund, a late delivery scan): propose afresh.
        return Decision(Outcome.DECLINE, "changed", "The order changed.", rules.version)
    return decision


def confirm_pending(turn: Turn) -> Draft:
    """A "yes": act on the pending proposal if the rules (still) allow it."""
    pending = turn.state.pending
    turn.state.clear_question()
    if pending is None:
        return Draft(turn.say("handoff_declined"))
    if turn.state.verification_locked:
        return locked(turn)
    spec = spec_of(pending, turn.conversation.pk)
    earlier = AgentAction.objects.filter(idempotency_key=spec.key(turn.store.pk)).first()
    if earlier is not None and earlier.status in (ActionStatus.PROPOSED, ActionStatus.EXECUTING):
        # A run cut short after claiming it (time limit, crash): finish it, same key.
        earlier = action_execute(earlier, turn.provider)
    if earlier is not None and earlier.status != ActionStatus.FAILED:
        # The same yes to the same proposal, answered again (a retried turn): report it,
        # and as something done before if another message already saw it done.
        turn.actions.append(earlier)
        return report(turn, earlier, spec.order_name, before=earlier.message_id != turn.message.pk)
    order = _fresh_order(turn, spec)
    if order is None:
        return Draft(f"I couldn't load order {spec.order_name} just now. Please try again shortly.")
    twin = _failed_twin(turn, spec)
    decision = _redecide(turn, spec, order, twin)
    if decision.outcome not in (Outcome.ALLOW, Outcome.NEEDS_APPROVAL) or (
        spec.amount is not None and decision.amount not in (None, spec.amount)
    ):
        return declined(turn, order, decision, what(spec.kind, spec.order_name))
    action = _act(turn, spec, order, decision, twin)
    return report(turn, action, spec.order_name, before=action.message_id != turn.message.pk)


def _fresh_order(turn: Turn, spec: ActionSpec) -> OrderInfo | None:
    if not turn.state.is_verified(spec.order_id):
        return None
    order = turn.provider.get_order(spec.order_id)
    if order is not None:
        record_lookup_of_verified(turn, order)
    return order


def _failed_twin(turn: Turn, spec: ActionSpec) -> AgentAction | None:
    """The same action asked for before that failed or was cut short: it is retried under
    its own key (the platform may have done it after all, and dedupes on that key)."""
    wanted = spec.parameters()
    for action in AgentAction.objects.filter(
        store=turn.store,
        kind=spec.kind,
        parameters__order_id=spec.order_id,
        status__in=(ActionStatus.FAILED, ActionStatus.PROPOSED, ActionStatus.EXECUTING),
    ).order_by("-pk"):
        done = action.parameters
        if all(done.get(k) == wanted[k] for k in ("amount", "items", "address", "note")):
            return action
    return None


def _act(
    turn: Turn, spec: ActionSpec, order: OrderInfo, decision: Decision, twin: AgentAction | None
) -> AgentAction:
    needs_approval = decision.outcome is Outcome.NEEDS_APPROVAL
    if twin is not None:
        action = twin
        if needs_approval and action.status == ActionStatus.FAILED:
            action = action_await_approval_again(action)
        elif not needs_approval:
            action = action_execute(action, turn.provider)
        turn.actions.append(action)
        return action
    action, _ = action_get_or_create(
        spec=spec,
        store_id=turn.store.pk,
        conversation_id=turn.conversation.pk,
        message_id=turn.message.pk,
        order_pk=turn.order_pk(order.id),
        status=ActionStatus.AWAITING_APPROVAL if needs_approval else ActionStatus.PROPOSED,
        policy_version=decision.policy_version,
        policy_reason=decision.reason,
    )
    if needs_approval and action.status == ActionStatus.FAILED:
        action = action_await_approval_again(action)
    elif action.status in (ActionStatus.PROPOSED, ActionStatus.EXECUTING, ActionStatus.FAILED):
        action = action_execute(action, turn.provider)
    turn.actions.append(action)
    return action


def drop_pending(turn: Turn) -> Draft:
    """A "no": forget the proposal; nothing was done."""
    pending = turn.state.pending
    turn.state.clear_question()
    if pending is None:
        return Draft(turn.say("handoff_declined"))
    spec = spec_of(pending, turn.conversation.pk)
    turn.facts.add("order", spec.order_name)
    return Draft(turn.say("pending_dropped", what=what(spec.kind, spec.order_name)))


# A yes long after the offer is not a yes to it: the customer may be someone else at the
# same screen, or the order may have moved on. Ask again instead.
PROPOSAL_TTL = timedelta(minutes=30)


def proposal_is_open(turn: Turn, pending: Pending) -> bool:
    """The offer is still the one on the table: recent, and no person stepped in since."""
    try:
        made = datetime.fromisoformat(pending.proposed_at) if pending.proposed_at else None
    except ValueError:
        made = None
    if made is None or turn.now - made > PROPOSAL_TTL:
        return False
    people_since = Message.objects.filter(
        conversation_id=turn.conversation.pk,
        role=MessageRole.HUMAN_AGENT,
        created_at__gt=made,
    )
    return not people_since.exists()


def ask_again(turn: Turn) -> Draft:
    """Neither a clear yes nor a clear no: do nothing and ask the same question plainly."""
    pending = turn.state.pending
    assert pending is not None
    turn.state.awaiting = Awaiting.CONFIRMATION
    spec = spec_of(pending, turn.conversation.pk)
    amount = fmt_money(spec.amount, spec.currency) if spec.amount is not None else ""
    doing = what(spec.kind, spec.order_name, amount=amount)
    return Draft(turn.say("confirm_unsure", what=doing), confirm=True)
