"""The demo store's dashboard: sample conversations (answered by the real agent) and links.

Only for the demo platform's store, so a newcomer's first look at the admin is not empty:
a few customers ask the things merchants see every day, including a refund above the
auto-approve limit that waits in the inbox for approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.agent.tasks import answer_in_order, conversation_lock
from apps.chat.services import message_add_customer
from apps.conversations.models import Channel, Conversation
from apps.conversations.services import conversation_start
from apps.dashboard.demo.history import demo_history_ensure
from apps.stores.models import Platform, Store


@dataclass(frozen=True)
class SampleConversation:
    email: str
    messages: tuple[str, ...]


SAMPLES = (
    SampleConversation("jane@example.com", ("Where is my order #1001?",)),
    SampleConversation("alex@example.com", ("please refund order 1011", "yes")),
    SampleConversation("priya@example.com", ("Can I return the wallet from order 1009?",)),
    SampleConversation("", ("Do you offer gift wrapping?",)),
    SampleConversation("sam@example.com", ("I want to talk to a person please",)),
)


def demo_conversations_ensure(store: Store) -> int:
    """Create the sample conversations when the demo store has none; returns how many.

    Each message goes through the agent pipeline, one turn at a time under the same
    conversation lock the worker takes (so a worker picking up the queued task finds the
    message answered). Raises ValueError for any store but a demo-platform one.
    """
    if store.platform != Platform.DEMO:
        raise ValueError("sample conversations are for the demo store only")
    if Conversation.objects.filter(store=store).exists():
        return 0
    for sample in SAMPLES:
        conversation = conversation_start(store, Channel.WEB, customer_email=sample.email)
        for text in sample.messages:
            message = message_add_customer(conversation, text)
            with conversation_lock(conversation.pk):
                answer_in_order(conversation.pk, up_to=message.pk)
    # Past weeks, so the analytics page shows real charts (resolved by AI needs 24 h).
    return len(SAMPLES) + demo_history_ensure(store)
