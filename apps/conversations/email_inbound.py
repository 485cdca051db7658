"""Email as a channel of the agent: an inbound email (already parsed and routed to its store by
apps.webhooks.inbound_email) becomes a customer message of an email conversation, once.

Taken once per Message-ID (SendGrid retries, a replayed POST). Mail no person wrote (auto-
replies, bounces, lists, our own mail coming back) is recorded and never answered. An email too
large to read gets one polite answer saying so, and never reaches the agent. The sender's
address is a claim: it starts or continues a conversation (email_threading says when) and the
agent asks for proof as on the web.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from apps.conversations import outbox
from apps.conversations.email_text import html_to_text, is_automatic, new_text
from apps.conversations.email_threading import (
    EmailIdentity,
    email_identity,
    thread_for,
    thread_note_inbound,
    thread_start,
)
from apps.conversations.models import MAX_MESSAGE_LENGTH, Channel, InboundReceipt, Message
from apps.conversations.services import conversation_start, message_save_customer
from apps.stores.models import Store

logger = logging.getLogger(__name__)

# Above this much text (plain + HTML) nobody wrote it by hand: answered politely, not read.
MAX_READABLE_CHARS = 200_000
TOO_LARGE_TEXT = (
    "Thank you for your email. It was too large for us to read (attachments and very long "
    "messages are not read). Please reply with a short message saying what you need, and "
    "include your order number.\n\n— {name}"
)


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class InboundEmail:
    sender: str  # the From address, lower-cased
    subject: str
    text: str
    html: str = ""
    to: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    message_id: str = ""
    references: tuple[str, ...] = ()  # In-Reply-To then References, deduplicated
    attachments: tuple[Attachment, ...] = ()
    # Its text was above MAX_READABLE_CHARS and was dropped where it was received.
    oversized: bool = False

    @property
    def too_large(self) -> bool:
        return self.oversized or len(self.text) + len(self.html) > MAX_READABLE_CHARS


def email_to_payload(email: InboundEmail) -> dict[str, Any]:
    """The email as JSON, for the inbound event the worker takes it from; an email too large
    to read keeps only what its polite refusal needs (the bodies are dropped)."""
    too_large = email.too_large
    return {
        "sender": email.sender,
        "subject": email.subject,
        "text": "" if too_large else email.text,
        "html": "" if too_large else email.html,
        "to": list(email.to),
        "headers": dict(email.headers),
        "message_id": email.message_id,
        "references": list(email.references),
        "attachments": [[a.name, a.content_type, a.size] for a in email.attachments],
        "oversized": too_large,
    }


def email_from_payload(payload: object) -> InboundEmail | None:
    """`email_to_payload`'s inverse; None for anything it did not write."""
    if not isinstance(payload, dict):
        return None
    try:
        return InboundEmail(
            sender=str(payload["sender"]),
            subject=str(payload["subject"]),
            text=str(payload["text"]),
            html=str(payload["html"]),
            to=tuple(str(a) for a in payload["to"]),
            headers={str(k): str(v) for k, v in dict(payload["headers"]).items()},
            message_id=str(payload["message_id"]),
            references=tuple(str(r) for r in payload["references"]),
            attachments=tuple(
                Attachment(str(n), str(t), int(z)) for n, t, z in payload["attachments"]
            ),
            oversized=bool(payload["oversized"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    AUTOMATIC = "automatic"
    TOO_LARGE = "too_large"
    NOT_SET_UP = "not_set_up"


def save_inbound_email(*, store: Store, email: InboundEmail) -> tuple[Outcome, Message | None]:
    """Save one inbound email for `store` (idempotent on its Message-ID): the outcome, and the
    customer's message when there is one to answer, which the caller hands to the agent
    (apps.chat.services.receive_email)."""
    identity = email_identity(store)
    if identity is None:
        return Outcome.NOT_SET_UP, None
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(
                store=store, channel=Channel.EMAIL, external_id=receipt_id(email)
            )
            return _take(store, email, identity)
    except IntegrityError:
        return Outcome.DUPLICATE, None


def receipt_id(email: InboundEmail) -> str:
    """What makes two posts the same email: its Message-ID, else its content."""
    seed = email.message_id or "\n".join(
        [email.sender, email.subject, email.headers.get("Date", ""), email.text[:10_000]]
    )
    return "mail:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()


def _take(
    store: Store, email: InboundEmail, identity: EmailIdentity
) -> tuple[Outcome, Message | None]:
    if identity.is_ours(email.sender) or is_automatic(email.headers, email.sender, frozenset()):
        logger.info("inbound email for store %s not answered: automatic or ours", store.pk)
        return Outcome.AUTOMATIC, None
    if email.too_large:
        _refuse_politely(store, email, identity)
        return Outcome.TOO_LARGE, None
    thread = thread_for(store, sender=email.sender, to=email.to, references=email.references)
    if thread is None:
        conversation = conversation_start(store, Channel.EMAIL, customer_email=email.sender)
        thread = thread_start(
            store=store,
            conversation=conversation,
            customer_address=email.sender,
            subject=email.subject,
        )
    thread_note_inbound(thread, message_id=email.message_id, references=list(email.references))
    message, created = message_save_customer(
        thread.conversation, readable_text(email), metadata=_metadata(email)
    )
    return Outcome.ACCEPTED, message if created else None


def readable_text(email: InboundEmail) -> str:
    """What the customer just wrote: plain text (or the HTML's text), without quoted history or
    signature, within a message's bound."""
    text = new_text(email.text if email.text.strip() else html_to_text(email.html))
    if not text.strip():
        text = email.subject.strip() or "(an email with no text)"
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 1].rstrip() + "…"
    return text


def _metadata(email: InboundEmail) -> dict[str, object]:
    return {
        "email": {
            "message_id": email.message_id[:300],
            "subject": email.subject[:200],
            "attachments": [
                {"name": a.name[:100], "type": a.content_type[:100], "size": a.size}
                for a in email.attachments
            ],
        }
    }


def _refuse_politely(store: Store, email: InboundEmail, identity: EmailIdentity) -> None:
    headers = {"Auto-Submitted": "auto-replied"}
    if email.message_id:
        headers["In-Reply-To"] = email.message_id
    subject = " ".join(email.subject.split())[:150] or "your email"
    outbox.queue_email(
        store=store,
        to=email.sender,
        subject=f"Re: {subject}",
        text=TOO_LARGE_TEXT.format(name=identity.from_name),
        key=f"too-large:{receipt_id(email)[5:45]}",
        envelope={"from_name": identity.from_name, "headers": headers},
    )
