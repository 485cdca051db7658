"""Read-only order skills: where is my order, where is my refund."""

from __future__ import annotations

from apps.agent.actions import record
from apps.agent.context import Draft, Turn
from apps.agent.replies import fmt_list, lines
from apps.agent.skills.carrier_tracking import Scans, with_carrier_scans
from apps.agent.skills.describe import (
    date_fact,
    item_labels,
    money_fact,
    order_fact,
    shipment_lines,
    what,
)
from apps.agent.verify import resolve_order
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.integrations.commerce.base import Fulfillment, LineItemQuantity, OrderInfo

# A parcel known only by its number, whose carrier tracker is being set up right now.
PENDING_SCANS = (
    "I've asked the carrier for this parcel's scans; ask me again in a little while and "
    "I'll have the latest update."
)
NO_SCANS_YET = "The carrier hasn't reported a scan for this parcel yet."
_SCAN_NOTES = {Scans.PENDING: [PENDING_SCANS], Scans.NONE_YET: [NO_SCANS_YET]}


def order_status(turn: Turn) -> Draft:
    """Fulfilment state, carrier, tracking number and link, last event, delivery estimate."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    body = _status_lines(turn, order)
    return Draft(lines(turn.say("status_opener", order=name), *body, turn.say("anything_else")))


def _status_lines(turn: Turn, order: OrderInfo) -> list[str]:
    items = f"Items: {fmt_list(_all_items(turn, order))}."
    if order.is_cancelled:
        return [f"This order was cancelled on {date_fact(turn, order.cancelled_at)}.", items]
    shipments = [s for s in _tracking(turn, order) if s.status != "cancelled"]
    if not shipments:
        placed = f" (placed on {date_fact(turn, order.created_at)})" if order.created_at else ""
        return [f"It hasn't shipped yet{placed}; it's being prepared.", items]
    shipments, scans = with_carrier_scans(turn, order, shipments)
    later = _SCAN_NOTES.get(scans, [])
    if order.fulfillment_status != "partially_fulfilled":
        body = [items]
        for shipment in shipments:
            body.extend(shipment_lines(turn, shipment))
        return [*body, *later]
    body = ["Part of this order has shipped; the rest hasn't shipped yet."]
    for shipment in shipments:
        shipped = item_labels(turn, order, shipment.line_items)
        if shipped:
            body.append(f"Shipped: {fmt_list(shipped)}.")
        body.extend(shipment_lines(turn, shipment))
    waiting = item_labels(turn, order, _unshipped(order))
    if waiting:
        body.append(f"Not shipped yet: {fmt_list(waiting)}.")
    return [*body, *later]


def _all_items(turn: Turn, order: OrderInfo) -> list[str]:
    return item_labels(
        turn, order, tuple(LineItemQuantity(li.id, li.quantity) for li in order.line_items)
    )


def _unshipped(order: OrderInfo) -> tuple[LineItemQuantity, ...]:
    return tuple(
        LineItemQuantity(li.id, li.quantity - li.fulfilled_quantity)
        for li in order.line_items
        if li.quantity > li.fulfilled_quantity
    )


def _tracking(turn: Turn, order: OrderInfo) -> list[Fulfillment]:
    """The platform's latest tracking (fresher than the order), recorded as a lookup."""
    if not order.fulfillments:
        return []
    shipments = turn.provider.get_tracking(order.id)
    turn.add_record(
        record(
            kind=ActionKind.TRACK_SHIPMENT,
            store_id=turn.store.pk,
            conversation_id=turn.conversation.pk,
            message_id=turn.message.pk,
            order_pk=turn.order_pk(order.id),
            parameters={"order_id": order.id},
            result={
                "tracking_numbers": [t.number for s in shipments for t in s.tracking],
                "statuses": [s.shipment_status for s in shipments],
            },
        )
    )
    return shipments or list(order.fulfillments)


def refund_status(turn: Turn) -> Draft:
    """Refunds the platform recorded, and refund requests still waiting or turned down."""
    order = resolve_order(turn)
    if isinstance(order, Draft):
        return order
    name = order_fact(turn, order)
    found = [
        f"A refund of {money_fact(turn, r.amount, order.currency)} was issued"
        + (f" on {date_fact(turn, r.created_at)}." if r.created_at else ".")
        for r in order.refunds
    ]
    found += _requests(turn, order)
    if not found:
        return Draft(lines(f"I don't see any refunds on order {name}.", turn.say("anything_else")))
    return Draft(lines(turn.say("status_opener", order=name), *found))


def _requests(turn: Turn, order: OrderInfo) -> list[str]:
    waiting = AgentAction.objects.filter(
        store=turn.store,
        kind=ActionKind.REFUND,
        parameters__order_id=order.id,
        status__in=(ActionStatus.AWAITING_APPROVAL, ActionStatus.REJECTED),
    ).order_by("id")
    said = []
    for action in waiting:
        asked = what("refund", order.name, money_fact(turn, action.amount, action.currency))
        key = (
            "still_awaiting" if action.status == ActionStatus.AWAITING_APPROVAL else "was_rejected"
        )
        said.append(turn.say(key, what=asked))
    return said
