"""Plain-text descriptions of orders and shipments, recording each value used as a fact."""

from __future__ import annotations

import re

from apps.agent.context import Turn
from apps.agent.knowledge import terms
from apps.agent.replies import fmt_date, fmt_money
from apps.integrations.commerce.base import Fulfillment, LineItemQuantity, OrderInfo

_SHIPMENT_STATES = {
    "label_printed": "label created, waiting for the carrier to pick it up",
    "label_purchased": "label created, waiting for the carrier to pick it up",
    "confirmed": "label created, waiting for the carrier to pick it up",
    "in_transit": "in transit",
    "out_for_delivery": "out for delivery",
    "attempted_delivery": "a delivery was attempted",
    "ready_for_pickup": "ready for pickup",
    "delivered": "delivered",
    "failure": "the carrier reported a delivery problem",
    # The same states as a carrier tracker (EasyPost) names them.
    "pre_transit": "label created, waiting for the carrier to pick it up",
    "available_for_pickup": "ready for pickup",
    "return_to_sender": "being returned to the sender",
}


def order_fact(turn: Turn, order: OrderInfo) -> str:
    turn.facts.add("order", order.name)
    return order.name


def money_fact(turn: Turn, amount: object, currency: str) -> str:
    text = fmt_money(str(amount), currency)
    turn.facts.add("amount", text)
    return text


def date_fact(turn: Turn, when: object) -> str:
    text = fmt_date(when)  # type: ignore[arg-type]
    turn.facts.add("date", text)
    return text


def item_labels(turn: Turn, order: OrderInfo, items: tuple[LineItemQuantity, ...]) -> list[str]:
    """ "2 x Water Bottle", "Yoga Mat": what the items are called on the order."""
    titles = {li.id: li.title for li in order.line_items}
    named = []
    for entry in items:
        title = titles.get(entry.line_item_id, "")
        label = f"{entry.quantity} x {title}" if entry.quantity > 1 else title
        turn.facts.add("item", label)
        named.append(label)
    return named


def matching_items(order: OrderInfo, product_terms: tuple[str, ...]) -> set[str] | None:
    """Line item ids the customer named ("the socks"); None when they named none of them."""
    if not product_terms:
        return None
    wanted: set[str] = set()
    for term in product_terms:
        words = terms(term)
        if not words:
            continue
        for item in order.line_items:
            if words[-1] in terms(f"{item.title} {item.variant_title}"):
                wanted.add(item.id)
    return wanted or None


def shipment_lines(turn: Turn, shipment: Fulfillment) -> list[str]:
    lines: list[str] = []
    state = _SHIPMENT_STATES.get(shipment.shipment_status, "shipped")
    if shipment.delivered_at is not None:
        state = f"delivered on {date_fact(turn, shipment.delivered_at)}"
    for tracking in shipment.tracking:
        carrier = tracking.company or "the carrier"
        turn.facts.add("carrier", tracking.company)
        turn.facts.add("tracking_number", tracking.number)
        if tracking.number:
            lines.append(f"Shipped with {carrier}, tracking number {tracking.number}.")
        if tracking.url:
            turn.facts.add("tracking_url", tracking.url)
            lines.append(f"Track it here: {tracking.url}")
    if not shipment.tracking:
        lines.append("Shipped (no tracking number yet).")
    lines.append(f"Status: {state}.")
    if shipment.latest_event:
        turn.facts.add("event", shipment.latest_event)
        when = shipment.latest_event_at
        suffix = f" ({date_fact(turn, when)})" if when else ""
        where = ""
        if shipment.latest_event_location:
            turn.facts.add("location", shipment.latest_event_location)
            where = f" in {shipment.latest_event_location}"
        lines.append(f"Latest update: {shipment.latest_event}{where}{suffix}.")
    if shipment.delivered_at is None and shipment.estimated_delivery_at is not None:
        lines.append(f"Estimated delivery: {date_fact(turn, shipment.estimated_delivery_at)}.")
    return lines


def what(kind: str, order_name: str, amount: str = "", items: str = "", address: str = "") -> str:
    """The action in words, for "Shall I ...?", "I couldn't ...", "I won't ..." and approval
    replies; a detail not given is left out ("refund order #1001")."""
    if kind == "refund":
        return f"refund {amount} on order {order_name}" if amount else f"refund order {order_name}"
    if kind == "cancel_order":
        return f"cancel order {order_name}"
    if kind == "change_address":
        to = f" to {address}" if address else ""
        return f"change the shipping address of order {order_name}{to}"
    if kind == "create_return":
        if not items:
            return f"start a return for order {order_name}"
        return f"start a return for {items} from order {order_name}"
    if kind == "add_order_note":
        return f"add your note to order {order_name}"
    return f"update order {order_name}"


_NOTE_REQUEST = re.compile(
    r"(?i)\b(?:note|gift message|delivery instructions?|message (?:on|in|to|for))\b"
)
_NOTE_TEXT = re.compile(
    r"(?i)(?:\bnote\b|\bmessage\b|\binstructions?\b)[^:]{0,40}?"
    r"(?::|\bsaying\b|\bthat says\b|\bthat reads\b|\bwith\b)\s*(?P<text>.+)$"
)
MAX_NOTE = 300


def requested_note(text: str) -> tuple[bool, str]:
    """(asks for a note?, its text) — "add a note: leave it with my neighbour"."""
    if not _NOTE_REQUEST.search(text):
        return False, ""
    found = _NOTE_TEXT.search(text)
    if found is None:
        return True, ""
    return True, clean_note(found.group("text"))


def clean_note(text: str) -> str:
    return " ".join(text.strip().strip("\"'“”").split())[:MAX_NOTE]
