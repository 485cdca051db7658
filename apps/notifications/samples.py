"""Sample notices for the settings page's preview: the store's own look with made-up rows
(nothing is read from or written to its data)."""

from __future__ import annotations

from decimal import Decimal

from apps.conversations.models import ActionKind, ActionStatus, AgentAction, Message, MessageRole
from apps.notifications import notices
from apps.notifications.models import NotificationKind
from apps.notifications.rendering import Rendered, render
from apps.stores.models import Store
from apps.stores.services import store_settings


def sample(store: Store, kind: str) -> Rendered:
    """The notification `kind` as the store's recipients would see it. Raises KeyError for an
    unknown kind."""
    if kind == NotificationKind.TEAM_DIGEST:
        events = [
            AgentAction(
                kind=ActionKind.ESCALATE, conversation_id=101, parameters={"reason": "angry"}
            ),
            AgentAction(
                kind=ActionKind.REFUND,
                status=ActionStatus.AWAITING_APPROVAL,
                conversation_id=102,
                amount=Decimal("84.00"),
                currency=store.currency,
                parameters={"order_name": "#1042"},
            ),
        ]
        address = store_settings(store).escalation_email or "team@yourstore.com"
        return render(store, notices.team_digest(store, events, total=2, address=address))
    if kind == NotificationKind.ACTION_DONE:
        return render(store, notices.action_done(store, _done(ActionKind.REFUND, store)))
    if kind == NotificationKind.WEB_BY_EMAIL:
        label = _done(ActionKind.RETURN_LABEL, store)
        label.result = {"label_url": "https://example.com/label.pdf"}
        return render(store, notices.action_done(store, label))
    if kind == NotificationKind.TRANSCRIPT:
        messages = [
            Message(role=MessageRole.CUSTOMER, text="Where is my order #1042?"),
            Message(role=MessageRole.ASSISTANT, text="It shipped yesterday and arrives Friday."),
        ]
        return render(store, notices.transcript(store, messages))
    raise KeyError(kind)


def _done(kind: str, store: Store) -> AgentAction:
    return AgentAction(
        kind=kind,
        status=ActionStatus.EXECUTED,
        amount=Decimal("24.00") if kind == ActionKind.REFUND else None,
        currency=store.currency,
        parameters={"order_name": "#1042"},
    )
