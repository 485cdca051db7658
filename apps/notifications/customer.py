"""Customer notifications: an action they asked for is done (on the channel they used), and the
transcript on request. Each goes through the outbox under a key of its own, so it is sent once
however often it is asked for.

Where it goes: SMS to the conversation's number; email into the conversation's thread; on web
chat, only when the merchant switched it on, by email to the address on the order the action
was carried out for (the customer proved that order before anything was done to it).

One message per event per channel: on SMS and email the agent's own reply already reaches the
customer on that channel, so when a reply that carries the action (its `action_ids`) was
written after the action was done, it was the announcement and no notice follows. The return
flow's label email is queued under this module's key for the label action (see
apps.agent.return_notices), so it and the "label ready" notice are one outbox row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.conversations import outbox
from apps.conversations.email_threading import email_identity, reply_envelope
from apps.conversations.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    Channel,
    Conversation,
    EmailThread,
    Message,
    MessageRole,
    OutboundMessage,
)
from apps.notifications import notices
from apps.notifications.preferences import notification_settings
from apps.notifications.rendering import Notice, render
from apps.orders.models import Order

ANNOUNCED = (
    ActionKind.REFUND,
    ActionKind.CREATE_RETURN,
    ActionKind.RETURN_LABEL,
    ActionKind.CHANGE_ADDRESS,
    ActionKind.CANCEL_ORDER,
)
# Actions done longer ago than this are not announced any more (a sweep after an outage, a
# switch turned on later: old news is not sent).
FRESH_FOR = timedelta(hours=6)
# Actions done more recently wait for the next sweep: the reply of the turn (or approval) that
# carried one out may not be committed yet, and it decides whether a notice is needed at all.
# Longer than an agent turn may run (CELERY_TASK_TIME_LIMIT).
SETTLE_FOR = timedelta(minutes=2)
# The channels on which the conversation's replies themselves reach the customer.
REPLIES_DELIVERED = (Channel.EMAIL, Channel.SMS)


def action_key(action_id: int) -> str:
    return f"notify:action:{action_id}"


def pending_action_ids(now: datetime, limit: int = 500) -> list[int]:
    """Executed actions worth a notice that have none yet (the sweep's worklist)."""
    candidates = list(
        AgentAction.objects.filter(
            status=ActionStatus.EXECUTED,
            kind__in=ANNOUNCED,
            executed_at__gte=now - FRESH_FOR,
            executed_at__lte=now - SETTLE_FOR,
        )
        .order_by("id")
        .values_list("id", "store_id")[:limit]
    )
    keys = [action_key(pk) for pk, _ in candidates]
    done = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    return [pk for pk, _ in candidates if action_key(pk) not in done]


def notify_action_done(action_id: int) -> OutboundMessage | None:
    """Queue the notice for one executed action (idempotent); None when it is switched off or
    there is no channel to reach the customer on."""
    action = (
        AgentAction.objects.select_related("store", "conversation", "order")
        .filter(pk=action_id, status=ActionStatus.EXECUTED, kind__in=ANNOUNCED)
        .first()
    )
    if action is None:
        return None
    prefs = notification_settings(action.store)
    if not prefs.action_done or announced_in_replies(action):
        return None
    notice = notices.action_done(action.store, action)
    web_email = action.order.email if action.order and prefs.web_by_email else ""
    return _send(action.conversation, notice, key=action_key(action.pk), web_email=web_email)


def announced_in_replies(action: AgentAction) -> bool:
    """Whether a reply on the conversation's own channel (SMS, email) told the customer this
    action was done: one written after it was done that carries it."""
    if action.conversation.channel not in REPLIES_DELIVERED or action.executed_at is None:
        return False
    replies = Message.objects.filter(
        conversation=action.conversation,
        role__in=(MessageRole.ASSISTANT, MessageRole.HUMAN_AGENT),
        created_at__gte=action.executed_at,
    ).values_list("metadata", flat=True)
    # Read in Python: SQLite (the demo) has no JSON containment lookup.
    return any(
        isinstance(meta, dict) and action.pk in (meta.get("action_ids") or []) for meta in replies
    )


def transcript_send(conversation: Conversation) -> OutboundMessage | None:
    """Email the customer their transcript as it stands (once per state of the conversation);
    None when switched off or there is no proven address to send it to."""
    if not notification_settings(conversation.store).transcript:
        return None
    messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
    if not messages:
        return None
    notice = notices.transcript(conversation.store, messages)
    order: Order | None = conversation.order_in_focus
    key = f"transcript:{conversation.pk}:{messages[-1].pk}"
    email_only = _send(
        conversation, notice, key=key, web_email=order.email if order else "", sms=False
    )
    return email_only


def _send(
    conversation: Conversation, notice: Notice, *, key: str, web_email: str, sms: bool = True
) -> OutboundMessage | None:
    store = conversation.store
    rendered = render(store, notice)
    if conversation.channel == Channel.SMS and sms and conversation.customer_phone:
        return outbox.queue_sms(
            store=store,
            to=conversation.customer_phone,
            text=rendered.sms,
            key=key,
            conversation=conversation,
        )
    thread = EmailThread.objects.filter(conversation=conversation).first()
    identity = email_identity(store)
    if identity is None:
        return None
    if conversation.channel == Channel.EMAIL and thread is not None:
        to, envelope = thread.customer_address, reply_envelope(thread, identity, key=key)
    elif web_email:
        to = web_email
        envelope = {
            "from_name": identity.from_name,
            "headers": {"Auto-Submitted": "auto-generated"},
        }
    else:
        return None
    return outbox.queue_email(
        store=store,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        key=key,
        conversation=conversation,
        envelope=envelope,
    )
