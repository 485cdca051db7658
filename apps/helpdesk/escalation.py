"""Starting the mirror of a conversation in the merchant's helpdesk(s).

The agent knows nothing of helpdesks (it sits below this app): after every committed
reply it calls its reply hooks, and ours checks, with one cheap query, whether the
conversation must start mirroring (escalated, or the merchant mirrors every conversation)
or was just escalated in an existing mirror (the team's note is still to add); if so it
enqueues `mirror_conversation`.

An escalation adds one internal note for the team (a `system` message, never shown to the
customer): why the AI handed over, the intent, whether the customer proved who they are,
and the order with its link in the Shopify admin. It is mirrored like any message: once,
after the transcript.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery

from apps.conversations.models import (
    ActionKind,
    AgentAction,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.helpdesk.models import HelpdeskSettings, HelpdeskThread, TicketsFor
from apps.stores.models import Platform, Store

logger = logging.getLogger(__name__)

NOTE_KIND = "helpdesk_escalation"
PEOPLE = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)


def on_reply_committed(message_id: int) -> None:
    row = (
        Message.objects.filter(pk=message_id)
        .annotate(
            mirrored=Exists(
                HelpdeskThread.objects.filter(conversation_id=OuterRef("conversation_id"))
            ),
            noted=Exists(
                Message.objects.filter(
                    conversation_id=OuterRef("conversation_id"),
                    role=MessageRole.SYSTEM,
                    metadata__kind=NOTE_KIND,
                )
            ),
            tickets_for=Subquery(
                HelpdeskSettings.objects.filter(store_id=OuterRef("store_id")).values(
                    "tickets_for"
                )[:1]
            ),
        )
        .values("conversation_id", "conversation__status", "mirrored", "noted", "tickets_for")
        .first()
    )
    if row is None or not _wanted(row):
        return
    from apps.helpdesk.tasks import mirror_conversation

    try:
        mirror_conversation.apply_async((row["conversation_id"],), retry=False)
    except Exception:  # broker errors: the conversation is still escalated in our inbox
        logger.warning("helpdesk mirroring of conversation %s not enqueued", row["conversation_id"])


def _wanted(row: Mapping[str, Any]) -> bool:
    tickets_for = row["tickets_for"] or TicketsFor.ESCALATIONS
    if tickets_for == TicketsFor.NEVER:
        return False
    escalated = row["conversation__status"] == ConversationStatus.ESCALATED
    if escalated and not row["noted"]:
        return True
    return tickets_for == TicketsFor.ALL and not row["mirrored"]


def escalation_note_add(conversation: Conversation) -> Message | None:
    """The team's note for an escalated conversation, once (None when not escalated or
    already noted). Call inside a transaction: the conversation row is locked meanwhile."""
    locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    if locked is None or locked.status not in PEOPLE:
        return None
    noted = Message.objects.filter(
        conversation=locked, role=MessageRole.SYSTEM, metadata__kind=NOTE_KIND
    ).exists()
    if noted:
        return None
    escalation = (
        AgentAction.objects.filter(conversation=locked, kind=ActionKind.ESCALATE)
        .order_by("-id")
        .first()
    )
    params = (escalation.parameters if escalation else None) or {}
    intent = str(params.get("intent") or locked.primary_intent or "")
    return Message.objects.create(
        store_id=locked.store_id,
        conversation=locked,
        role=MessageRole.SYSTEM,
        text=escalation_note_text(locked, reason=str(params.get("reason") or ""), intent=intent),
        metadata={"kind": NOTE_KIND, "intent": intent},
    )


def escalation_note_text(conversation: Conversation, *, reason: str, intent: str) -> str:
    lines = ["Aftersale handed this conversation to your team."]
    if reason:
        lines.append(f"Why: {reason}")
    if intent:
        lines.append(f"Intent: {intent.replace('_', ' ')}")
    who = conversation.customer_email or conversation.customer_phone or "not given"
    proof = "verified" if conversation.customer_verified else "NOT verified"
    lines.append(f"Customer: {who} ({proof})")
    order = conversation.order_in_focus
    if order is not None:
        link = order_admin_link(conversation.store, order.platform_order_id)
        lines.append(f"Order: {order.name}" + (f" {link}" if link else ""))
    lines.append("Reply here and the customer gets it in the chat; the AI stays silent.")
    return "\n".join(lines)


def order_admin_link(store: Store, platform_order_id: str) -> str:
    """The order's page in the Shopify admin ("" for other platforms)."""
    if store.platform != Platform.SHOPIFY:
        return ""
    numeric = platform_order_id.rsplit("/", 1)[-1]
    handle = store.domain.removesuffix(".myshopify.com")
    if not numeric.isdigit() or not handle:
        return ""
    return f"https://admin.shopify.com/store/{handle}/orders/{numeric}"


def mirror_start(conversation: Conversation, providers: list[str]) -> list[int]:
    """What `mirror_conversation` does, in one transaction: the team's note for an
    escalation, then the threads and the sync rows. Returns the first row per provider."""
    from apps.helpdesk.preferences import helpdesk_settings
    from apps.helpdesk.sync import start_mirroring

    settings = helpdesk_settings(conversation.store_id)
    if settings.tickets_for == TicketsFor.NEVER or not providers:
        return []
    with transaction.atomic():
        escalation_note_add(conversation)
        conversation.refresh_from_db(fields=["status"])
        if settings.tickets_for == TicketsFor.ESCALATIONS and conversation.status not in PEOPLE:
            return []
        return start_mirroring(conversation, providers)
