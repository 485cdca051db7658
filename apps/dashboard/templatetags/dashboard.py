"""Template filters for the dashboard: badge tones and readable labels."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from apps.conversations.models import Conversation
from apps.dashboard.selectors.customers import CustomerIdentity, customer_identity

register = template.Library()

_CONVERSATION_TONES = {
    "open": "info",
    "ai_handling": "success",
    "human_handling": "attention",
    "escalated": "warning",
    "resolved": "",
}
_ACTION_TONES = {
    "proposed": "info",
    "executing": "info",
    "awaiting_approval": "attention",
    "executed": "success",
    "failed": "critical",
    "rejected": "",
}
_INTEGRATION_TONES = {"connected": "success", "failing": "critical", "not_connected": ""}


@register.filter
def conversation_tone(status: str) -> str:
    return _CONVERSATION_TONES.get(status, "")


@register.filter
def action_tone(status: str) -> str:
    return _ACTION_TONES.get(status, "")


@register.filter
def integration_tone(status: str) -> str:
    return _INTEGRATION_TONES.get(status, "")


@register.filter
def humanize_key(value: str) -> str:
    """ "refund_request" -> "Refund request"."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def money(amount: object, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return f"{value:,.2f} {currency}".strip()


@register.filter
def percent(score: float) -> str:
    return f"{round(float(score) * 100)}%"


@register.filter
def pretty_json(value: object) -> str:
    """Evidence as indented JSON for a <pre>; autoescaping still applies."""
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@register.filter
def customer(conversation: Conversation) -> CustomerIdentity:
    """Who the conversation's customer is, from verified facts only."""
    return customer_identity(conversation)


@register.filter
def stamp(value: datetime | None) -> SafeString | str:
    """A time the merchant can read: in the store's time zone (the dashboard renders in it),
    labelled with that zone ("Dec 4, 00:36 EST") so it is never ambiguous."""
    if value is None:
        return ""
    label = date_format(localtime(value), "M j, H:i T")
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), label)
