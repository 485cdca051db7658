"""Verify before any order detail: who may see which order.

An order is shown only to a logged-in customer whose verified platform id owns it, or to
someone who gives its number together with the email or phone on it. The provider's
`find_order` answers None both for a missing order and for a wrong pair, and so do we:
the reply is the same either way (no enumeration). Every failed check counts; after
MAX_FAILED_VERIFICATIONS the conversation goes to a human and no more orders are looked up.
Failures are also counted per order and per client across conversations (probing.py), and
a number that cannot be one of this store's orders is neither looked up nor counted.
"""

from __future__ import annotations

import re

from apps.agent.actions import record
from apps.agent.context import Draft, Turn
from apps.agent.probing import BLOCKED_ERROR, NOT_AN_ORDER, blocked_reason, could_be_order
from apps.agent.replies import fmt_date, fmt_list
from apps.agent.state import MAX_FAILED_VERIFICATIONS, ORDER_INTENTS, Awaiting
from apps.conversations.models import ActionKind, ActionStatus
from apps.integrations.commerce.base import OrderInfo, normalise_phone, parse_order_number

ACCOUNT_ORDERS_SHOWN = 5
_LONE_NUMBER = re.compile(r"(?<![\w.,@+$£€-])#?(\d{3,10})(?![\w.,@%-])")
# A number named as something else is not an order number ("override code 7731", "zip 94105").
_NAMED_OTHERWISE = re.compile(
    r"(?i)\b(?:code|zip|postcode|postal|pin|password|otp|tracking|ticket|case|ref|reference|"
    r"phone|tel|apt|unit|suite|room|box|account|member|id)\W{0,3}$"
)


def resolve_order(turn: Turn) -> OrderInfo | Draft:
    """The verified order this turn is about, or the reply that asks for what is missing."""
    state = turn.state
    if state.verification_locked:
        return locked(turn)
    new_identity = collect_identity(turn)
    number = _number_in_message(turn)
    if not number and state.order_number and (new_identity or not _identity(turn)):
        # The number given earlier, now with the identity we asked for (or still without
        # one: ask again). A pair that failed is not retried until something new arrives.
        number = state.order_number
    if number:
        if state.focus_id and _same_number(state.focus_name, number):
            return _focus(turn)
        return _check_number(turn, number)
    if state.focus_id:
        return _focus(turn)
    if turn.logged_in_customer_id:
        return _from_account(turn)
    state.awaiting = Awaiting.ORDER_NUMBER
    return Draft(turn.say("ask_order_number"))


def collect_identity(turn: Turn) -> bool:
    """Remember the email / phone the customer typed (unverified until checked with a
    number). True when this message gave one."""
    entities = turn.understanding.entities
    if entities.emails:
        turn.state.email = entities.emails[0].strip().lower()
    phone = normalise_phone(entities.phones[0].digits) if entities.phones else ""
    if phone:
        turn.state.phone = phone
    return bool(entities.emails or phone)


def _number_in_message(turn: Turn) -> str:
    for raw in turn.understanding.entities.order_numbers:
        number = parse_order_number(raw)
        if number is None:
            continue
        if turn.awaited == Awaiting.ADDRESS and not could_be_order(turn.store.pk, str(number)):
            continue  # the postcode of the address we asked for
        return str(number)
    if _may_read_a_lone_number(turn):
        return lone_order_number(turn)
    return ""


def lone_order_number(turn: Turn) -> str:
    """ "the 1001 one", "and my other one, 1008?": the one lone number in the message that
    is not named as something else (a code, a ZIP...), or ""."""
    text = turn.message.text
    lone = [
        m.group(1)
        for m in _LONE_NUMBER.finditer(text)
        if not _NAMED_OTHERWISE.search(text[: m.start()])
    ]
    if len(lone) != 1 or turn.awaited in (Awaiting.ADDRESS, Awaiting.AMOUNT):
        return ""
    entities = turn.understanding.entities
    if entities.amounts or entities.phones or entities.tracking_numbers:
        return ""
    return str(int(lone[0]))


# With an order in focus, a lone number names another order only in these questions (a
# ZIP code in "ship it to 90210 instead" is not an order number).
_ANOTHER_ORDER_INTENTS = ("order_status", "refund_status", "cancel_order", "return_request")


def _may_read_a_lone_number(turn: Turn) -> bool:
    """When we asked for an order number, or an order question names no order yet, or
    asks about another one (never while reading an address, whose postcode is not an
    order number)."""
    if turn.awaited == Awaiting.ORDER_NUMBER:
        return True
    if turn.awaited == Awaiting.ADDRESS:
        return False
    if turn.state.focus_id:
        number = lone_order_number(turn)
        return (
            turn.intent in _ANOTHER_ORDER_INTENTS
            and bool(number)
            and could_be_order(turn.store.pk, number)
        )
    return turn.intent in ORDER_INTENTS


def _same_number(name: str, number: str) -> bool:
    return parse_order_number(name) == parse_order_number(number)


def _identity(turn: Turn) -> dict[str, str]:
    identity = {
        "customer_id": turn.logged_in_customer_id,
        "email": turn.state.email or turn.conversation.customer_email.strip().lower(),
        "phone": turn.state.phone or normalise_phone(turn.conversation.customer_phone),
    }
    return {k: v for k, v in identity.items() if v}


def _check_number(turn: Turn, number: str) -> OrderInfo | Draft:
    state = turn.state
    identity = _identity(turn)
    if not identity:
        state.order_number = number
        state.awaiting = Awaiting.EMAIL
        return Draft(turn.say("ask_email", number=number))
    blocked = blocked_reason(
        store_id=turn.store.pk,
        number=number,
        client=str((turn.message.metadata or {}).get("client", "")),
        now=turn.now,
    )
    if blocked:
        _record_lookup(turn, number=number, identity=identity, order=None, error=BLOCKED_ERROR)
        return locked(turn, reason=blocked)
    order = turn.provider.find_order(number, **identity)
    if order is not None:
        _record_lookup(turn, number=number, identity=identity, order=order)
        _focus_on(turn, order)
        return order
    state.order_number = number
    if not could_be_order(turn.store.pk, number):
        # A ZIP code or a tracking number is not an attempt at an order: not counted, and
        # the answer is the same as for a wrong pair (it says nothing about which exist).
        _record_lookup(turn, number=number, identity=identity, order=None, error=NOT_AN_ORDER)
        state.awaiting = Awaiting.ORDER_NUMBER
        return Draft(turn.say("not_found", number=number))
    _record_lookup(turn, number=number, identity=identity, order=None)
    state.failed_verifications += 1
    if state.failed_verifications >= MAX_FAILED_VERIFICATIONS:
        return locked(turn)
    state.awaiting = Awaiting.ORDER_NUMBER
    return Draft(turn.say("not_found", number=number))


def _record_lookup(
    turn: Turn,
    *,
    number: str,
    identity: dict[str, str],
    order: OrderInfo | None,
    error: str = "No order matches this number and identity.",
) -> None:
    # Which kinds of identity were checked, not their values: the audit trail of a probe.
    parameters = {"order_number": number, "verified_by": sorted(identity)}
    turn.add_record(
        record(
            kind=ActionKind.LOOKUP_ORDER,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            order_pk=turn.order_pk(order.id) if order else None,
            parameters=parameters,
            result={"order_id": order.id, "order_name": order.name} if order else {},
            status=ActionStatus.EXECUTED if order else ActionStatus.FAILED,
            error="" if order else error,
        )
    )


def _focus_on(turn: Turn, order: OrderInfo) -> None:
    turn.state.remember_verified(order.id, order.name)
    turn.state.awaiting = Awaiting.NOTHING
    turn.focus_changed = True


def _focus(turn: Turn) -> OrderInfo | Draft:
    state = turn.state
    order = turn.provider.get_order(state.focus_id)
    if order is None:
        state.focus_id = state.focus_name = ""
        turn.focus_changed = True
        state.awaiting = Awaiting.ORDER_NUMBER
        return Draft(turn.say("ask_order_number"))
    record_lookup_of_verified(turn, order)
    return order


def record_lookup_of_verified(turn: Turn, order: OrderInfo) -> None:
    """Audit a read of an order this conversation already proved it owns."""
    turn.add_record(
        record(
            kind=ActionKind.LOOKUP_ORDER,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            order_pk=turn.order_pk(order.id),
            parameters={"order_id": order.id, "verified_by": ["conversation"]},
            result={"order_id": order.id, "order_name": order.name},
        )
    )


def _from_account(turn: Turn) -> OrderInfo | Draft:
    customer_id = turn.logged_in_customer_id
    orders = turn.provider.list_customer_orders(customer_id=customer_id, limit=ACCOUNT_ORDERS_SHOWN)
    turn.add_record(
        record(
            kind=ActionKind.LOOKUP_ORDER,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            parameters={"verified_by": ["customer_id"], "list": True},
            result={"orders": [o.name for o in orders]},
        )
    )
    if not orders:
        turn.state.awaiting = Awaiting.ORDER_NUMBER
        return Draft(turn.say("no_orders"))
    if len(orders) == 1:
        _focus_on(turn, orders[0])
        return orders[0]
    turn.state.awaiting = Awaiting.ORDER_NUMBER
    listed = [
        f"{o.name} (placed {fmt_date(o.created_at)})" if o.created_at else o.name for o in orders
    ]
    for o in orders:
        turn.facts.add("order", o.name)
    return Draft(turn.say("choose_order", orders=fmt_list(listed)))


def locked(turn: Turn, *, reason: str = "Repeated failed order verification") -> Draft:
    """Too many failed checks: hand over (once, telling the merchant why) and look up
    nothing more in this conversation."""
    from apps.agent.escalation import escalate

    turn.state.verification_locked = True
    turn.state.order_number = ""
    turn.state.clear_question()
    escalate(turn, reason=reason)
    return Draft(turn.say("verification_locked"))
