"""The demo store's past weeks: conversations answered by the real agent, then dated back.

"Resolved by AI" counts a conversation only once the customer has been quiet for 24 hours
(billing.resolution), so conversations created at seeding time would all show 0 and the
charts would be empty. These ask read-only questions (order status, tracking, a person)
so the demo orders stay as the README describes them, and are moved back to days before
the seeding day; the rollups of those days are then computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from apps.agent.tasks import answer_in_order, conversation_lock
from apps.chat.services import message_add_customer
from apps.conversations.models import AgentAction, Channel, Conversation, Message
from apps.conversations.services import conversation_start
from apps.dashboard.analytics.rollups import local_today, rollup_refresh
from apps.stores.models import Store


@dataclass(frozen=True)
class PastConversation:
    days_ago: int
    hour: int
    email: str
    text: str


JANE, SAM, PRIYA, ALEX = (
    "jane@example.com",
    "sam@example.com",
    "priya@example.com",
    "alex@example.com",
)
HISTORY = (
    PastConversation(20, 9, JANE, "Where is my order #1001? My email is jane@example.com"),
    PastConversation(18, 14, SAM, "where is order 1004? sam@example.com"),
    PastConversation(16, 11, ALEX, "track order 1012 please, alex@example.com"),
    PastConversation(13, 16, PRIYA, "Has order 1008 been delivered? priya@example.com"),
    PastConversation(12, 10, SAM, "I want to talk to a person please"),
    PastConversation(9, 13, JANE, "status of order 1002, jane@example.com"),
    PastConversation(7, 15, ALEX, "where is my order 1011? alex@example.com"),
    PastConversation(6, 9, PRIYA, "Do you offer gift wrapping?"),
    PastConversation(4, 12, JANE, "tracking for #1001 please, jane@example.com"),
    PastConversation(3, 17, SAM, "Where's order 1005? sam@example.com"),
    PastConversation(2, 10, ALEX, "when will order 1012 arrive? alex@example.com"),
)


def demo_history_ensure(store: Store) -> int:
    """Add the past conversations (once: only when the store has none yet); returns how
    many. Their days are relative to today, so the demo looks alive whenever it is seeded."""
    now = timezone.now()
    for past in HISTORY:
        conversation = conversation_start(store, Channel.WEB, customer_email=past.email)
        message = message_add_customer(conversation, past.text)
        with conversation_lock(conversation.pk):
            answer_in_order(conversation.pk, up_to=message.pk)
        started = timezone.localtime(now, store.zone).replace(hour=past.hour, minute=0, second=0)
        _move_back(conversation, now - (started - timedelta(days=past.days_ago)))
    today = local_today(store, now)
    rollup_refresh(store, today - timedelta(days=max(p.days_ago for p in HISTORY)), today, now=now)
    return len(HISTORY)


def _move_back(conversation: Conversation, by: timedelta) -> None:
    """Every timestamp of the conversation, its messages and actions, `by` earlier."""
    Message.objects.filter(conversation=conversation).update(
        created_at=F("created_at") - by, handled_at=F("handled_at") - by
    )
    AgentAction.objects.filter(conversation=conversation).update(
        created_at=F("created_at") - by,
        updated_at=F("updated_at") - by,
        executed_at=F("executed_at") - by,
        approved_at=F("approved_at") - by,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=F("created_at") - by,
        updated_at=F("updated_at") - by,
        last_message_at=F("last_message_at") - by,
        resolved_at=F("resolved_at") - by,
    )
