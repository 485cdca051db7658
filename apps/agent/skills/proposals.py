"""Proposing an action (the customer confirms first), and explaining a refusal honestly."""

from __future__ import annotations

import uuid

from apps.agent.actions import ActionSpec
from apps.agent.context import Draft, Turn
from apps.agent.escalation import escalate
from apps.agent.policy import Decision
from apps.agent.replies import fmt_list, join
from apps.agent.return_offer import labels_wanted
from apps.agent.skills.describe import date_fact, money_fact, what
from apps.agent.state import Awaiting, Pending
from apps.conversations.models import ActionStatus, AgentAction
from apps.integrations.commerce.base import OrderInfo


def propose(turn: Turn, spec: ActionSpec, prompt: str) -> Draft:
    """Ask "Shall I ...? (yes/no)" and remember exactly what a yes will do."""
    turn.state.pending = Pending(
        kind=spec.kind,
        order_id=spec.order_id,
        order_name=spec.order_name,
        amount=str(spec.amount) if spec.amount is not None else "",
        currency=spec.currency,
        items=[{"line_item_id": i.line_item_id, "quantity": i.quantity} for i in spec.items],
        address=dict(spec.address),
        reason=spec.reason,
        item_titles=list(spec.item_titles),
        proposal_id=uuid.uuid4().hex,
        proposed_at=turn.now.isoformat(),
        asked_in=turn.message.pk,
    )
    turn.state.awaiting = Awaiting.CONFIRMATION
    return Draft(join(prompt, turn.say("confirm_suffix")), confirm=True)


def existing_action(turn: Turn, spec: ActionSpec) -> AgentAction | None:
    """A request for this very action on this order still waiting for the merchant.

    Asking again adds nothing, and it is reported as waiting (never as done now). An
    executed action is not looked up here: the rules, on fresh data, decide a new request.
    """
    waiting = AgentAction.objects.filter(
        store=turn.store,
        kind=spec.kind,
        parameters__order_id=spec.order_id,
        status=ActionStatus.AWAITING_APPROVAL,
    )
    if spec.amount is not None:
        waiting = waiting.filter(amount=spec.amount)
    action = waiting.order_by("-pk").first()
    if action is not None:
        turn.actions.append(action)
    return action


def offer_human(turn: Turn) -> str:
    turn.state.awaiting = Awaiting.HANDOFF
    return turn.say("offer_human")


def _why(turn: Turn, order: OrderInfo, decision: Decision) -> str:
    """The rule behind a refusal, in the customer's terms, from the decision's own values."""
    days, name, code = turn.rules.return_window_days, order.name, decision.code
    window = f"you can request a return within {days} days"
    if code == "outside_return_window":
        return (
            f"Order {name} was delivered more than {days} days ago, "
            f"outside our {days}-day return window."
        )
    if code == "not_delivered":
        return f"Order {name} hasn't been delivered yet. Once it arrives, {window}."
    if code == "final_sale":
        return final_sale_note(decision.excluded)
    if code in ("above_refundable", "above_eligible") and decision.amount is not None:
        amount = money_fact(turn, decision.amount, order.currency)
        if code == "above_refundable":
            return f"The most that can be refunded on order {name} is {amount}."
        return f"The items that can be returned on order {name} are worth {amount}."
    if code == "already_fulfilled":
        return f"Order {name} has already shipped. Once it arrives, {window} of delivery."
    if code == "outside_cancellation_window":
        hours = turn.rules.cancellation_window_hours
        placed = f" Order {name} was placed on {date_fact(turn, order.created_at)}."
        limit = f"Orders can only be cancelled within {hours} hours of being placed."
        return limit + (placed if order.created_at else "")
    if code == "already_refunded" and order.refunds:
        issued = fmt_list(
            [
                money_fact(turn, r.amount, order.currency)
                + (f" on {date_fact(turn, r.created_at)}" if r.created_at else "")
                for r in order.refunds
            ]
        )
        return f"Order {name} has already been refunded: {issued}."
    if code == "wrong_currency":
        return f"Refunds for order {name} are made in {order.currency}."
    return decision.reason


def final_sale_note(titles: tuple[str, ...]) -> str:
    verb = "is" if len(titles) == 1 else "are"
    return f"{fmt_list(list(titles))} {verb} final sale and can't be returned."


# Refusals a person might still resolve: offer one.
_OFFER_HUMAN = {
    "outside_return_window",
    "outside_cancellation_window",
    "address_changes_disabled",
    "no_matching_items",
}


def declined(turn: Turn, order: OrderInfo, decision: Decision, doing: str) -> Draft:
    """ "I'm sorry, I can't <doing>." + the rule that says no (+ an offer of a person)."""
    parts = [turn.say("sorry_cannot", what=doing), _why(turn, order, decision)]
    if decision.code in _OFFER_HUMAN:
        parts.append(offer_human(turn))
    return Draft(join(*parts))


def report(turn: Turn, action: AgentAction, order_name: str, *, before: bool = True) -> Draft:
    """Tell the customer where an action stands; confirm only what the platform confirmed.

    `before`: the action was asked for by an earlier message, so it is never told as new.
    """
    doing = what(
        action.kind,
        order_name,
        amount=money_fact(turn, action.amount, action.currency) if action.amount else "",
        items=_items_text(turn, action),
        address=_address_text(action),
    )
    if action.status == ActionStatus.EXECUTED and before:
        return Draft(turn.say("done_before", what=_done(turn, action, order_name)))
    if action.status == ActionStatus.EXECUTED:
        return Draft(
            join(turn.say("done"), _done(turn, action, order_name), turn.say("anything_else"))
        )
    if action.status == ActionStatus.AWAITING_APPROVAL:
        return Draft(turn.say("still_awaiting" if before else "awaiting_approval", what=doing))
    if action.status == ActionStatus.REJECTED:
        return Draft(turn.say("was_rejected", what=doing))
    if action.status == ActionStatus.FAILED:
        escalate(turn, reason=f"The platform refused or failed: {action.kind}")
        refused = bool((action.evidence or {}).get("refused"))
        return Draft(turn.say("action_refused" if refused else "action_failed", what=doing))
    return Draft(f"Your request to {doing} is being processed.")


def _items_text(turn: Turn, action: AgentAction) -> str:
    titles = action.parameters.get("item_titles") or []
    for title in titles:
        turn.facts.add("item", title)
    return fmt_list(list(titles)) or "the items"


def _address_text(action: AgentAction) -> str:
    shipped_to = (action.result or {}).get("shipping_address")
    if shipped_to:
        return str(shipped_to)
    return ", ".join(
        v
        for k, v in (action.parameters.get("address") or {}).items()
        if v and k not in ("name", "phone", "country_code")
    )


def _done(turn: Turn, action: AgentAction, order_name: str) -> str:
    result = action.result or {}
    turn.facts.add("order", order_name)
    if action.kind == "refund":
        amount = money_fact(turn, result.get("amount"), result.get("currency") or action.currency)
        return f"I've refunded {amount} on order {order_name}."
    if action.kind == "cancel_order":
        refunded = ""
        if result.get("refunded") and action.amount:
            amount = money_fact(turn, action.amount, action.currency)
            refunded = f" Your payment of {amount} has been refunded."
        return f"Order {order_name} is cancelled.{refunded}"
    if action.kind == "change_address":
        address = _address_text(action)
        turn.facts.add("address", address)
        return f"Order {order_name} will now ship to: {address}."
    if action.kind == "create_return":
        turn.facts.add("return", result.get("return_id", ""))
        opened = (
            f"I've opened a return for {_items_text(turn, action)} from order "
            f"{order_name} (return {result.get('return_id', '')})."
        )
        if labels_wanted(turn.store, turn.rules):
            opened += " I'm preparing your prepaid return label and will post it here shortly."
        return opened
    if action.kind == "add_order_note":
        note = str(result.get("note", ""))
        turn.facts.add("note", note)
        return f"I've added this note to order {order_name}: {note}"
    return f"Order {order_name} is updated."
