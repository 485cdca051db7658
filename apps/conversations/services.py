"""Writes on conversations and their messages (the chat API, the chat command, the agent).

The store always comes from the caller's verified credential; nothing here trusts an id
sent by a client. Nothing here asks the agent to answer: a customer's message is handed to
it by the channel it came in on (apps.chat.services), above the agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from apps.conversations.hooks import reply_committed
from apps.conversations.models import (
    MAX_MESSAGE_LENGTH,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from apps.integrations.commerce.base import normalise_email
from apps.stores.models import Store


class MessageRejected(ValueError):
    """The message cannot be accepted (empty or too long); `code` says which."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def conversation_start(
    store: Store,
    channel: str = Channel.WEB,
    *,
    customer_email: str = "",
    customer_phone: str = "",
    customer_platform_id: str = "",
    customer_verified: bool = False,
) -> Conversation:
    """A new conversation in `store`.

    `customer_verified` must be True only when `customer_platform_id` came from a verified
    source (the App Proxy's signed logged_in_customer_id); the agent then shows that
    customer's orders without asking for an email. An email or phone given here is what
    the customer claims, and proves nothing on its own.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    platform_id = (customer_platform_id or "").strip()[:64]
    return Conversation.objects.create(
        store=store,
        channel=channel,
        customer_email=normalise_email(customer_email)[:254],
        customer_phone=(customer_phone or "").strip()[:32],
        customer_platform_id=platform_id,
        customer_verified=bool(customer_verified and platform_id),
    )


def _checked_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise MessageRejected("The message is empty.", code="empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MessageRejected(
            f"The message is longer than {MAX_MESSAGE_LENGTH} characters.", code="too_long"
        )
    return text.strip()


class ClientMessageIdReused(ValueError):
    """The client sent a message id it already used for a different text."""


def message_save_customer(
    conversation: Conversation,
    text: str,
    *,
    metadata: dict[str, Any] | None = None,
    client_message_id: str = "",
) -> tuple[Message, bool]:
    """Save the customer's message; the caller decides who answers it.

    Returns (message, created). Idempotent on `client_message_id` (the id the widget
    generated and resends on every retry): a retry returns the message already saved,
    with created False. Raises MessageRejected (nothing saved) for an empty message or one
    longer than MAX_MESSAGE_LENGTH, and ClientMessageIdReused when the id was already used
    for a different text.
    """
    cleaned = _checked_text(text)
    client_id = client_message_id[:64]
    if client_id:
        earlier = _by_client_id(conversation, client_id)
        if earlier is not None:
            return _same_message(earlier, cleaned), False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                store_id=conversation.store_id,
                conversation=conversation,
                role=MessageRole.CUSTOMER,
                text=cleaned,
                metadata=metadata or {},
                client_message_id=client_id,
            )
            _touch(conversation, message)
    except IntegrityError:
        # Two copies of one retry raced; the unique constraint let one in.
        earlier = _by_client_id(conversation, client_id) if client_id else None
        if earlier is None:
            raise
        return _same_message(earlier, cleaned), False
    return message, True


def _by_client_id(conversation: Conversation, client_id: str) -> Message | None:
    return Message.objects.filter(
        conversation=conversation, role=MessageRole.CUSTOMER, client_message_id=client_id
    ).first()


def _same_message(message: Message, text: str) -> Message:
    if message.text != text:
        raise ClientMessageIdReused("This message id was already used for another message.")
    return message


def message_add_assistant(
    conversation: Conversation, text: str, *, metadata: dict[str, Any] | None = None
) -> Message:
    """An agent message that answers no particular customer message (e.g. "your refund
    was approved"); the reply hooks (helpdesk mirror) see it like any reply."""
    with transaction.atomic():
        message = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            role=MessageRole.ASSISTANT,
            text=text[: MAX_MESSAGE_LENGTH * 2],
            metadata=metadata or {},
        )
        _touch(conversation, message)
        transaction.on_commit(lambda: reply_committed(message.pk))
    return message


def message_add_human_agent(
    conversation: Conversation,
    text: str,
    *,
    author: str = "",
    display_name: str = "",
    origin: Mapping[str, str] | None = None,
) -> Message:
    """A reply from the merchant's people: from now on the AI stays silent here.

    `display_name` is what the customer sees the reply signed with. `origin` is stored
    with it from the first save (e.g. the helpdesk message it came from), so whatever
    reacts to the new message knows where it was written. Once committed, the
    reply hooks see it like any reply (so a channel that delivers replies delivers it too).
    Raises MessageRejected (nothing saved) for an empty or too long text.
    """
    cleaned = _checked_text(text)
    metadata: dict[str, str] = {"author": author[:200]} if author else {}
    metadata.update(origin or {})
    if display_name.strip():
        metadata["display_name"] = display_name.strip()[:60]
    with transaction.atomic():
        message = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            role=MessageRole.HUMAN_AGENT,
            text=cleaned,
            metadata=metadata,
        )
        _touch(conversation, message, status=ConversationStatus.HUMAN_HANDLING)
        void_pending_proposals(conversation, reason="a person replied")
        transaction.on_commit(lambda: reply_committed(message.pk))
    return message


# Statuses in which people own the conversation: any offer the agent made is void there.
PEOPLE_OWNED = (ConversationStatus.ESCALATED, ConversationStatus.HUMAN_HANDLING)


def void_pending_proposals(conversation: Conversation, *, reason: str) -> bool:
    """Forget the action the agent offered and is waiting for a yes to (a takeover or an
    escalation: after hand-back anything must be proposed again). The agent keeps its
    memory in `Conversation.state` (apps/agent/state.py); only the offer is removed.

    Idempotent; True when an offer was voided.
    """
    with transaction.atomic():
        row = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation.pk)
            .values_list("state", flat=True)
            .first()
        )
        state = dict(row or {})
        if not state.get("pending"):
            return False
        state["pending"] = None
        if str(state.get("awaiting", "")).endswith("confirmation"):
            state["awaiting"] = ""
        state["voided_proposal"] = reason[:200]
        Conversation.objects.filter(pk=conversation.pk).update(state=state)
    conversation.state = state
    return True


def conversation_set_status(conversation: Conversation, status: str) -> None:
    """Move a conversation to `status` (people take over, hand back to the AI, resolve).
    Moving it to people voids the agent's pending offer."""
    if status not in ConversationStatus.values:
        raise ValueError(f"unknown status {status!r}")
    if status in PEOPLE_OWNED:
        void_pending_proposals(conversation, reason=f"status {status}")
    now = timezone.now()
    resolved_at = now if status == ConversationStatus.RESOLVED else None
    Conversation.objects.filter(pk=conversation.pk).update(
        status=status, resolved_at=resolved_at, updated_at=now
    )
    conversation.refresh_from_db(fields=["status", "resolved_at", "updated_at"])


def _touch(conversation: Conversation, message: Message, *, status: str | None = None) -> None:
    """Record the new message on the conversation (one UPDATE; F() keeps it race-free)."""
    fields: dict[str, Any] = {"last_message_at": message.created_at, "updated_at": timezone.now()}
    if status is not None:
        fields["status"] = status
    elif message.role == MessageRole.CUSTOMER:
        # A customer writing again reopens a resolved conversation.
        fields["status"] = Case(
            When(status=ConversationStatus.RESOLVED, then=Value(ConversationStatus.OPEN)),
            default=F("status"),
        )
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    conversation.last_message_at = message.created_at
    if status is not None:
        conversation.status = status
