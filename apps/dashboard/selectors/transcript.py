"""One conversation as the merchant reads it: every message, and every action under the
message that led to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.conversations.models import AgentAction, Conversation, Message
from apps.stores.models import Store


@dataclass
class TranscriptEntry:
    message: Message
    actions: list[AgentAction] = field(default_factory=list)


@dataclass(frozen=True)
class Transcript:
    conversation: Conversation
    entries: list[TranscriptEntry]
    loose_actions: list[AgentAction]  # actions tied to no message still in the transcript

    @property
    def awaiting(self) -> list[AgentAction]:
        every = [a for e in self.entries for a in e.actions] + self.loose_actions
        return [a for a in every if a.status == "awaiting_approval"]


def conversation_transcript(store: Store, conversation_id: int) -> Transcript:
    """Three queries. Raises Conversation.DoesNotExist for another store's conversation."""
    conversation = Conversation.objects.select_related("order_in_focus").get(
        pk=conversation_id, store=store
    )
    messages = list(Message.objects.filter(conversation=conversation, store=store).order_by("id"))
    entries = {m.pk: TranscriptEntry(m) for m in messages}
    loose: list[AgentAction] = []
    actions = AgentAction.objects.filter(conversation=conversation, store=store).order_by("id")
    for action in actions:
        entry = entries.get(action.message_id) if action.message_id else None
        (entry.actions if entry else loose).append(action)
    return Transcript(conversation, list(entries.values()), loose)
