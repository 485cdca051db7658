"""Changing an order before it ships: cancel, new shipping address, other changes."""

from __future__ import annotations

from dataclasses import asdict

from apps.agent.actions import ActionSpec, action_execute, action_get_or_create
from apps.agent.context import Draft, Turn
from apps.agent.escalation import escalate
from apps.agent.policy import (
    Decision,
    Outcome,
    address_change_decision,
    cancel_decision,
    order_change_decision,
)
from apps.agent.skills.address import address_in_request, parse_address
from apps.agent.skills.describe import clean_note, money_fact, order_fact, requested_note
from apps.agent.skills.proposals import declined, existing_action, propose, report
from apps.agent.state import Awaiting
from apps.agent.verify import resolve_order
from apps.conversations.models import ActionKind, ActionStatus
from apps.integrations.commerce.base import OrderInfo


def cancel_order(turn: Turn) -> Draft:
    """Only before fulfilment and within the cancellation window; confirm, then cancel."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    decision = cancel_decision(turn.rules, order, turn.now)
    if not decision.allowed:
        return declined(turn, order, decision, f"cancel order {name}")
    spec = ActionSpec(
        kind=ActionKind.CANCEL_ORDER,
        order_id=order.id,
        order_name=order.name,
        amount=decision.amount,
        currency=order.currency,
        reason="Customer request",
    )
    earlier = existing_action(turn, spec)
    if earlier is not None:
        return report(turn, earlier, order.name)
    refund = ""
    if decision.amount:
        refund = f" and refund {money_fact(turn, decision.amount, order.currency)}"
    return propose(
        turn,
        spec,
        f"Order {name} hasn't shipped yet, so I can cancel it{refund}. "
        f"Shall I cancel order {name}?",
    )


def change_address(turn: Turn) -> Draft:
    """Only before fulfilment and when the merchant allows it: ask for, read, confirm."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    decision = address_change_decision(turn.rules, order)
    if not decision.allowed:
        return declined(turn, order, decision, f"change the shipping address of order {name}")
    if turn.awaited == Awaiting.ADDRESS:
        address = parse_address(turn.message.text, order.shipping_address)
    else:
        address = address_in_request(turn.message.text, order.shipping_address)
    if address is None and turn.awaited != Awaiting.ADDRESS:
        wants_note, _ = requested_note(turn.message.text)
        if wants_note:  # "add a note: leave the parcel with my neighbour" is not an address
            return change_order(turn)
    if address is None:
        return _ask_address(turn, name, retry=turn.awaited == Awaiting.ADDRESS)
    spec = ActionSpec(
        kind=ActionKind.CHANGE_ADDRESS,
        order_id=order.id,
        order_name=order.name,
        address={k: v for k, v in asdict(address).items() if v},
        reason="Customer request",
    )
    earlier = existing_action(turn, spec)
    if earlier is not None:
        return report(turn, earlier, order.name)
    shown = address.one_line()
    turn.facts.add("address", shown)
    return propose(turn, spec, f"Shall I change the shipping address of order {name} to: {shown}?")


def _ask_address(turn: Turn, name: str, *, retry: bool) -> Draft:
    turn.state.awaiting = Awaiting.ADDRESS
    ask = (
        f"What's the new shipping address for order {name}? Please write it as: street, "
        "city, state/region and ZIP/postcode, country."
    )
    if retry:
        ask = f"Sorry, I couldn't read that as an address. {ask}"
    return Draft(ask)


def change_order(turn: Turn) -> Draft:
    """Notes (delivery instructions, a gift message) are added at once; item, size or
    quantity changes go to people. Both only before the order ships."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    decision = order_change_decision(turn.rules, order)
    wants_note, note = requested_note(turn.message.text)
    if turn.awaited == Awaiting.NOTE:
        wants_note, note = True, clean_note(turn.message.text)
    if decision.outcome is Outcome.DECLINE:
        doing = f"add a note to order {name}" if wants_note else f"change order {name}"
        return declined(turn, order, decision, doing)
    if wants_note and not note:
        turn.state.awaiting = Awaiting.NOTE
        return Draft(f"What would you like the note on order {name} to say?")
    if wants_note:
        return _add_note(turn, order, note, decision)
    escalate(turn, reason=f"Customer asked to change the items of order {name}")
    return Draft(
        f"I can't change the items on an order myself, so I've passed your request about "
        f"order {name} to our team. They'll reply here."
    )


def _add_note(turn: Turn, order: OrderInfo, note: str, decision: Decision) -> Draft:
    """A note only adds to what the merchant sees on the order, so it needs no yes/no."""
    spec = ActionSpec(
        kind=ActionKind.ADD_ORDER_NOTE,
        order_id=order.id,
        order_name=order.name,
        note=f"Customer (chat): {note}",
        reason="Customer request",
        conversation_id=turn.conversation.pk,
        request=f"message:{turn.message.pk}",
    )
    action, _ = action_get_or_create(
        spec=spec,
        store_id=turn.store.pk,
        conversation_id=turn.conversation.pk,
        message_id=turn.message.pk,
        order_pk=turn.order_pk(order.id),
        status=ActionStatus.PROPOSED,
        policy_version=decision.policy_version,
        policy_reason="Notes may be added before the order ships.",
    )
    if action.status in (ActionStatus.PROPOSED, ActionStatus.EXECUTING, ActionStatus.FAILED):
        action = action_execute(action, turn.provider)
    turn.actions.append(action)
    return report(turn, action, order.name, before=action.message_id != turn.message.pk)
