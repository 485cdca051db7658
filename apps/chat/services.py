"""A customer's message in, from any channel, handed to the agent to answer.

The one place a channel (the storefront chat API, an inbound SMS or email, the demo data) saves a
customer's message and asks the agent for a reply; the conversations app below only saves.
"""

from __future__ import annotations

from typing import Any

from apps.agent.tasks import answer_on_commit
from apps.conversations import email_inbound, sms
from apps.conversations.models import Conversation, Message
from apps.conversations.services import message_save_customer
from apps.stores.models import Store


def message_receive_customer(
    conversation: Conversation,
    text: str,
    *,
    metadata: dict[str, Any] | None = None,
    client_message_id: str = "",
) -> tuple[Message, bool]:
    """Save the customer's message and, once committed, ask the agent to answer it.

    Returns (message, created); a retry under the same `client_message_id` returns the
    message already saved, with created False, and enqueues nothing. Raises what
    `message_save_customer` raises, with nothing saved or enqueued. The agent stays silent
    while people handle the conversation; the message is still saved. A broker that is
    down does not fail the call: the unanswered-message sweep enqueues it later.
    """
    message, created = message_save_customer(
        conversation, text, metadata=metadata, client_message_id=client_message_id
    )
    if created:
        answer_on_commit(message.pk)
    return message, created


def message_add_customer(
    conversation: Conversation, text: str, *, metadata: dict[str, Any] | None = None
) -> Message:
    """`message_receive_customer` without a client message id: just the message."""
    return message_receive_customer(conversation, text, metadata=metadata)[0]


def receive_sms(
    *, store: Store, message_sid: str, customer: str, store_number: str, body: str
) -> Message | None:
    """Take one inbound text (apps.conversations.sms.save_inbound_sms) and ask the agent to
    answer it when it is a customer message; None for a duplicate or a keyword."""
    message = sms.save_inbound_sms(
        store=store,
        message_sid=message_sid,
        customer=customer,
        store_number=store_number,
        body=body,
    )
    if message is not None:
        answer_on_commit(message.pk)
    return message


def receive_email(*, store: Store, email: email_inbound.InboundEmail) -> email_inbound.Outcome:
    """Take one inbound email (apps.conversations.email_inbound.save_inbound_email) and ask the
    agent to answer it when it carries a customer message to answer."""
    outcome, message = email_inbound.save_inbound_email(store=store, email=email)
    if message is not None:
        answer_on_commit(message.pk)
    return outcome
