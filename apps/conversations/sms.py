"""SMS as a channel of the agent: inbound texts into conversations, STOP/START/HELP keywords,
and replies shaped for SMS. The webhook view (apps.webhooks.inbound_sms) has verified the
request before anything here runs.

A phone number is a claim, not proof: conversations started here are never verified by it; the
agent asks for the order number as on the web.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.conversations import outbox
from apps.conversations.models import (
    Channel,
    Conversation,
    ConversationStatus,
    InboundReceipt,
    Message,
    MessageRole,
    SmsOptOut,
)
from apps.conversations.services import conversation_start, message_save_customer
from apps.integrations.messaging.base import MAX_SMS_CHARS
from apps.stores.models import Store

# Twilio's default opt-out keywords (Advanced Opt-Out); Twilio itself sends the one
# confirmation the carriers require, so we never answer them.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# The agent's answers and the merchant's people's replies from the inbox both leave by SMS.
REPLY_ROLES = (MessageRole.ASSISTANT, MessageRole.HUMAN_AGENT)


def keyword(body: str) -> str:
    """STOP, START or HELP when the whole text is one of their keywords, else ""."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "STOP"
    if word in START_WORDS:
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return ""


def save_inbound_sms(
    *, store: Store, message_sid: str, customer: str, store_number: str, body: str
) -> Message | None:
    """Save one inbound text (once per MessageSid). Keywords are recorded and never reach the
    agent; anything else is a customer message of the open SMS conversation with this number,
    which the caller hands to the agent (apps.chat.services.receive_sms).
    Returns the message saved, None for a duplicate or a keyword."""
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(store=store, channel=Channel.SMS, external_id=message_sid)
            word = keyword(body)
            if word in ("STOP", "START"):
                SmsOptOut.objects.update_or_create(
                    store=store,
                    phone=customer,
                    store_number=store_number,
                    defaults={"opted_out": word == "STOP", "keyword": body.strip()[:20].upper()},
                )
                return None
            if word == "HELP":
                return None
            conversation = _open_conversation(store, customer)
            metadata = {"sms": {"sid": message_sid, "to": store_number}}
            message, _ = message_save_customer(conversation, body, metadata=metadata)
            return message
    except IntegrityError:
        return None  # the provider sent this one before


def _open_conversation(store: Store, customer: str) -> Conversation:
    existing = (
        Conversation.objects.select_for_update()
        .filter(store=store, channel=Channel.SMS, customer_phone=customer)
        .exclude(status=ConversationStatus.RESOLVED)
        .order_by("-id")
        .first()
    )
    return existing or conversation_start(store, Channel.SMS, customer_phone=customer)


_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_MARKS = re.compile(r"(\*\*|__|`|^#+\s*)", re.MULTILINE)


def sms_text(text: str) -> str:
    """A reply as SMS: no markdown, links kept as plain URLs, within Twilio's bound (cut at a
    sentence when it must be cut; Twilio splits into segments itself)."""
    plain = _LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    plain = _MARKS.sub("", plain)
    plain = re.sub(r"\n{3,}", "\n\n", plain).strip()
    if len(plain) <= MAX_SMS_CHARS:
        return plain
    cut = plain[: MAX_SMS_CHARS - 1]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > MAX_SMS_CHARS // 2 else cut).rstrip() + "…"


def queue_sms_reply(message_id: int) -> None:
    """Reply hook: an answer in an SMS conversation (the agent's or a person's) becomes one
    outbox row."""
    reply = (
        Message.objects.select_related("conversation", "store")
        .filter(pk=message_id, role__in=REPLY_ROLES, conversation__channel=Channel.SMS)
        .first()
    )
    if reply is None or not reply.conversation.customer_phone:
        return
    outbox.queue_sms(
        store=reply.store,
        to=reply.conversation.customer_phone,
        text=sms_text(reply.text),
        key=f"reply:{reply.pk}",
        conversation=reply.conversation,
        message=reply,
    )


def unqueued_replies(*, older_than: timedelta, within: timedelta) -> list[int]:
    """Replies in SMS conversations that have no outbox row: their hook was lost between the
    reply's commit and its run (a worker killed there). The outbox sweep queues them."""
    now = timezone.now()
    return list(
        Message.objects.filter(
            role__in=REPLY_ROLES,
            conversation__channel=Channel.SMS,
            created_at__lt=now - older_than,
            created_at__gte=now - within,
            outbound__isnull=True,
        ).values_list("id", flat=True)[:500]
    )
