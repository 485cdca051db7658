"""Replies in an email conversation leave by email, in the customer's thread, from the store's
sender (reply hook, registered in apps.webhooks.apps; the outbox sends it once).

At most one email per reply (the outbox key is the reply's id), and a ceiling per conversation
and hour, so that a mail loop with something that does not say it is automatic stops quickly.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

from django.utils import timezone

from apps.conversations import outbox
from apps.conversations.email_threading import email_identity, reply_envelope, reply_subject
from apps.conversations.models import (
    Channel,
    EmailThread,
    Message,
    MessageRole,
    OutboundMessage,
)

logger = logging.getLogger(__name__)

MAX_REPLIES_PER_HOUR = 10
REPLY_ROLES = (MessageRole.ASSISTANT, MessageRole.HUMAN_AGENT)


def queue_email_reply(message_id: int) -> None:
    """Reply hook: the answer in an email conversation becomes one outbox row."""
    reply = (
        Message.objects.select_related("conversation", "store")
        .filter(pk=message_id, role__in=REPLY_ROLES, conversation__channel=Channel.EMAIL)
        .first()
    )
    if reply is None:
        return
    thread = EmailThread.objects.filter(conversation_id=reply.conversation_id).first()
    if thread is None:
        return
    identity = email_identity(reply.store)
    if identity is None:
        logger.warning("email reply %s not sent: no email provider connected", reply.pk)
        return
    if _recent_replies(thread) >= MAX_REPLIES_PER_HOUR:
        logger.warning("email reply %s not sent: thread %s looks like a loop", reply.pk, thread.pk)
        return
    key = f"reply:{reply.pk}"
    signer = _signer(reply) or identity.from_name
    outbox.queue_email(
        store=reply.store,
        to=thread.customer_address,
        subject=reply_subject(thread),
        text=f"{reply.text}\n\n— {signer}",
        html=simple_html(reply.text, signature=signer),
        key=key,
        conversation=reply.conversation,
        message=reply,
        envelope=reply_envelope(
            thread, identity, key=key, automatic=reply.role == MessageRole.ASSISTANT
        ),
    )


def simple_html(text: str, *, signature: str = "") -> str:
    """Plain text as simple HTML: paragraphs and line breaks, everything escaped."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    if signature:
        body += f"<p>— {escape(signature)}</p>"
    return f'<div style="font-family:sans-serif;font-size:14px;line-height:1.5">{body}</div>'


def unqueued_replies(*, older_than: timedelta, within: timedelta) -> list[int]:
    """Replies in email conversations with no outbox row (their hook was lost with a worker)."""
    now = timezone.now()
    return list(
        Message.objects.filter(
            role__in=REPLY_ROLES,
            conversation__channel=Channel.EMAIL,
            created_at__lt=now - older_than,
            created_at__gte=now - within,
            outbound__isnull=True,
        ).values_list("id", flat=True)[:500]
    )


def _recent_replies(thread: EmailThread) -> int:
    since = timezone.now() - timedelta(hours=1)
    return OutboundMessage.objects.filter(
        conversation_id=thread.conversation_id, channel=Channel.EMAIL, created_at__gte=since
    ).count()


def _signer(reply: Message) -> str:
    metadata = reply.metadata if isinstance(reply.metadata, dict) else {}
    return str(metadata.get("display_name", ""))[:60]
