"""What each notification says. Only facts from the rows (the action's recorded result, the
conversation's messages): never more than the customer or the team could already see."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Message, MessageRole
from apps.notifications.rendering import Notice, brand_name
from apps.stores.models import Store

MAX_DIGEST_LINES = 30
MAX_TRANSCRIPT_MESSAGES = 200
_ROLE_LABELS = {
    MessageRole.CUSTOMER: "You",
    MessageRole.ASSISTANT: "Assistant",
    MessageRole.HUMAN_AGENT: "Support team",
}


def team_digest(store: Store, events: Sequence[AgentAction], *, total: int, address: str) -> Notice:
    """The team's digest: each escalation and each action still awaiting approval."""
    lines = [_event_line(event) for event in events[:MAX_DIGEST_LINES]]
    if total > len(lines):
        lines.append(f"…and {total - len(lines)} more in the inbox.")
    noun = "conversation needs" if total == 1 else "conversations need"
    return Notice(
        subject=f"{total} {noun} your team — {brand_name(store)}",
        lines=(f"Since the last digest, {total} {noun} a person:", "\n".join(lines)),
        links=(("Open the inbox", f"{settings.APP_URL}/app/conversations/"),),
        why=(
            f"You get this because {address} is the escalation address in "
            f"{brand_name(store)}'s Aftersale settings (at most one digest an hour)."
        ),
    )


def _event_line(action: AgentAction) -> str:
    reference = f"conversation #{action.conversation_id}"
    if action.kind == ActionKind.ESCALATE:
        reason = str(action.parameters.get("reason", "")).strip()[:120]
        return f"• Escalated: {reference}" + (f" ({reason})" if reason else "")
    order = str(action.parameters.get("order_name", "")).strip()
    amount = f" {_money(action.amount, action.currency)}" if action.amount is not None else ""
    label = ActionKind(action.kind).label.lower()
    return f"• Awaiting approval: {label}{amount}{' on ' + order if order else ''}, {reference}"


def action_done(store: Store, action: AgentAction) -> Notice:
    """The customer's notice that what they asked for is done (an executed action only)."""
    if action.status != ActionStatus.EXECUTED:
        raise ValueError("only an executed action is announced")
    order = str(action.parameters.get("order_name", "")).strip() or "your order"
    links: list[tuple[str, str]] = []
    if action.kind == ActionKind.REFUND:
        amount = _money(action.amount, action.currency) if action.amount is not None else ""
        subject = "Your refund was issued"
        line = (
            f"Your refund{' of ' + amount if amount else ''} for {order} was issued. "
            "It can take a few business days to show on your statement."
        )
    elif action.kind == ActionKind.CREATE_RETURN:
        subject, line = "Your return was approved", f"Your return for {order} was approved."
    elif action.kind == ActionKind.RETURN_LABEL:
        subject = "Your return label is ready"
        line = f"Your return for {order} was approved and its prepaid label is ready."
        links += _link("Print the label", action.result.get("label_url"))
        links += _link("Track the return", action.result.get("tracking_url"))
    elif action.kind == ActionKind.CHANGE_ADDRESS:
        subject = "Your shipping address was changed"
        line = f"The shipping address of {order} was changed as you asked."
    elif action.kind == ActionKind.CANCEL_ORDER:
        subject, line = "Your order was cancelled", f"{order[:1].upper()}{order[1:]} was cancelled."
    else:
        raise ValueError(f"no customer notice for {action.kind}")
    return Notice(
        subject=f"{subject} — {brand_name(store)}",
        lines=(line,),
        links=tuple(links),
        why=f"You get this because you asked {brand_name(store)}'s support for it.",
    )


def transcript(store: Store, messages: Sequence[Message]) -> Notice:
    """The conversation as the customer saw it (internal notes are another table: never here)."""
    shown = [m for m in messages if m.role in _ROLE_LABELS][-MAX_TRANSCRIPT_MESSAGES:]
    lines = [f"{_ROLE_LABELS[MessageRole(m.role)]}: {m.text}" for m in shown]
    return Notice(
        subject=f"Your conversation with {brand_name(store)}",
        lines=tuple(lines) or ("(no messages)",),
        why=f"You get this because you asked {brand_name(store)} for a copy of your conversation.",
    )


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:.2f} {currency}".strip() if amount is not None else ""


def _link(label: str, url: object) -> list[tuple[str, str]]:
    if isinstance(url, str) and url.startswith("https://") and len(url) < 500:
        return [(label, url)]
    return []
