"""Returns and refunds: check the merchant's rules, then propose; a "yes" acts (confirm.py)."""

from __future__ import annotations

from apps.agent.actions import ActionSpec, refunded_without_approval
from apps.agent.context import Draft, Turn
from apps.agent.policy import Outcome, cancel_decision, refund_decision, return_eligibility
from apps.agent.replies import fmt_list, join
from apps.agent.return_offer import offer_text
from apps.agent.skills.amounts import requested_amount
from apps.agent.skills.describe import (
    date_fact,
    item_labels,
    matching_items,
    money_fact,
    order_fact,
)
from apps.agent.skills.proposals import (
    declined,
    existing_action,
    final_sale_note,
    propose,
    report,
)
from apps.agent.state import Awaiting
from apps.agent.verify import resolve_order
from apps.conversations.models import ActionKind
from apps.integrations.commerce.base import OrderInfo


def return_request(turn: Turn) -> Draft:
    """Which items may go back (window from delivery, final sale excluded); propose a return."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    wanted = matching_items(order, turn.understanding.entities.product_terms)
    decision = return_eligibility(turn.rules, order, turn.now, wanted)
    if not decision.allowed:
        return declined(turn, order, decision, f"start a return for order {name}")
    labels = item_labels(turn, order, decision.items)
    spec = ActionSpec(
        kind=ActionKind.CREATE_RETURN,
        order_id=order.id,
        order_name=order.name,
        items=decision.items,
        reason="Customer request",
        item_titles=tuple(labels),
    )
    earlier = existing_action(turn, spec)
    if earlier is not None:
        return report(turn, earlier, order.name)
    listed = fmt_list(labels)
    parts = [
        f"{listed} from order {name} can be returned until {date_fact(turn, decision.deadline)}."
    ]
    if decision.excluded:
        parts.append(f"({final_sale_note(decision.excluded)})")
    parts.append(offer_text(turn.store, turn.rules))  # conditions, label, who pays
    parts.append(f"Shall I start a return for {listed}?")
    return propose(turn, spec, join(*parts))


def refund_request(turn: Turn) -> Draft:
    """Refund within the rules: auto-approve limit, refundable amount, return window."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    asked = requested_amount(
        turn.message.text,
        turn.understanding.entities.amounts,
        bare=turn.awaited == Awaiting.AMOUNT,
    )
    if asked.problem:
        return _ask_amount(turn, name, asked.problem)
    requested, currency = asked.value, asked.currency
    wanted = matching_items(order, turn.understanding.entities.product_terms)
    decision = refund_decision(
        turn.rules,
        order,
        turn.now,
        requested=requested,
        requested_currency=currency,
        wanted=wanted,
        refunded_unapproved=refunded_without_approval(store_id=turn.store.pk, order_id=order.id),
    )
    if decision.code == "not_shipped":
        return _offer_cancel_instead(turn, order)
    if decision.outcome is Outcome.DECLINE or decision.amount is None:
        if decision.code in ("above_refundable", "above_eligible"):
            turn.state.awaiting = Awaiting.AMOUNT  # a smaller amount may be given next
        return declined(turn, order, decision, f"refund order {name}")
    labels = item_labels(turn, order, decision.items)
    spec = ActionSpec(
        kind=ActionKind.REFUND,
        order_id=order.id,
        order_name=order.name,
        amount=decision.amount,
        currency=order.currency,
        # An amount the customer named is refunded as an amount, not against items.
        items=decision.items if requested is None else (),
        reason="Customer request",
        item_titles=tuple(labels) if requested is None else (),
    )
    earlier = existing_action(turn, spec)
    if earlier is not None:
        return report(turn, earlier, order.name)
    amount = money_fact(turn, decision.amount, order.currency)
    if decision.outcome is Outcome.NEEDS_APPROVAL:
        prompt = (
            f"A refund of {amount} on order {name} needs approval from our team. "
            "Shall I send them the request?"
        )
    else:
        items = f" for {fmt_list(labels)}" if requested is None and labels else ""
        prompt = f"I can refund {amount}{items} on order {name}. Shall I go ahead?"
    return propose(turn, spec, prompt)


def _ask_amount(turn: Turn, name: str, written: str) -> Draft:
    """An amount we cannot take as written is asked again, never rounded into another."""
    turn.state.awaiting = Awaiting.AMOUNT
    return Draft(
        f"Sorry, I can't use {written[:40]!r} as an amount to refund. How much would you "
        f"like refunded on order {name}? Please write it like 20.00."
    )


def _offer_cancel_instead(turn: Turn, order: OrderInfo) -> Draft:
    """An order that has not shipped is refunded by cancelling it (when the rules allow)."""
    decision = cancel_decision(turn.rules, order, turn.now)
    if not decision.allowed:
        return declined(turn, order, decision, f"refund order {order.name}")
    spec = ActionSpec(
        kind=ActionKind.CANCEL_ORDER,
        order_id=order.id,
        order_name=order.name,
        amount=decision.amount,
        currency=order.currency,
        reason="Customer request",
    )
    amount = money_fact(turn, decision.amount, order.currency)
    return propose(
        turn,
        spec,
        f"Order {order.name} hasn't shipped yet, so I can cancel it and refund {amount}. "
        f"Shall I cancel order {order.name}?",
    )
