"""Writes on conversations and their messages (the chat API, the chat command, the agent).

The store always comes from the caller's verified credential; nothing here trusts an id
sent by a client.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

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


def message_add_customer(
    conversation: Conversation, text: str, *, metadata: dict[str, Any] | None = None
) -> Message:
    """Save the customer's message and, once committed, ask the agent to answer it.

    Raises MessageRejected (nothing saved, nothing enqueued) for an empty message or one
    longer than MAX_MESSAGE_LENGTH. The agent stays silent while people handle the
    conversation; the message is still saved for them.
    """
    cleaned = _checked_text(text)
    with transaction.atomic():
        message = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            role=MessageRole.CUSTOMER,
            text=cleaned,
            metadata=metadata or {},
        )
        _touch(conversation, message)
        transaction.on_commit(lambda: _enqueue_answer(message.pk))
    return message


def _enqueue_answer(message_id: int) -> None:
    from apps.agent.tasks import handle_message

    handle_message.delay(message_id)


def message_add_assistant(
    conversation: Conversation, text: str, *, metadata: dict[str, Any] | None = None
) -> Message:
    """An agent message that answers no particular customer message (e.g. "your refund
    was approved"); the reply hooks (helpdesk mirror) see it like any reply."""
    from apps.agent.hooks import reply_committed

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
    conversation: Conversation, text: str, *, author: str = "", display_name: str = ""
) -> Message:
    """A reply from the merchant's people: from now on the AI stays silent here.

    `display_name` is what the customer sees the reply signed with. Once committed, the
    reply hooks see it like any reply (so a channel that delivers replies delivers it too).
    Raises MessageRejected (nothing saved) for an empty or too long text.
    """
    from apps.agent.hooks import reply_committed

    cleaned = _checked_text(text)
    metadata = {"author": author[:200]} if author else {}
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
        transaction.on_commit(lambda: reply_committed(message.pk))
    return message


def conversation_set_status(conversation: Conversation, status: str) -> None:
    """Move a conversation to `status` (people take over, hand back to the AI, resolve)."""
    if status not in ConversationStatus.values:
        raise ValueError(f"unknown status {status!r}")
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
