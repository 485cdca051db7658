"""One conversation as the merchant reads it: every message, and every action under the
message that led to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from apps.conversations.models import ActionKind, AgentAction, Conversation, Message
from apps.dashboard.models import InternalNote
from apps.stores.models import Store

# Reads that change nothing: the merchant wants to know they happened, not read them.
ROUTINE_KINDS = frozenset(
    {ActionKind.LOOKUP_ORDER, ActionKind.TRACK_SHIPMENT, ActionKind.SEARCH_PRODUCTS}
)


@dataclass
class TranscriptEntry:
    """A message with the actions it led to, or (message None) a team note."""

    message: Message | None
    actions: list[AgentAction] = field(default_factory=list)
    note: InternalNote | None = None

    @property
    def routine_actions(self) -> list[AgentAction]:
        """Lookups: shown as one line per turn, opened on demand."""
        return [a for a in self.actions if a.kind in ROUTINE_KINDS]

    @property
    def notable_actions(self) -> list[AgentAction]:
        """What changed something or waits for someone: each shown in full."""
        return [a for a in self.actions if a.kind not in ROUTINE_KINDS]

    @property
    def at(self) -> datetime:
        if self.message is not None:
            return self.message.created_at
        if self.note is not None:
            return self.note.created_at
        raise ValueError("a transcript entry holds a message or a note")


@dataclass(frozen=True)
class Transcript:
    conversation: Conversation
    entries: list[TranscriptEntry]
    loose_actions: list[AgentAction]  # actions tied to no message still in the transcript

    @property
    def version(self) -> str:
        """Changes whenever anything shown changes: a message, a note, an action's state."""
        messages = [e.message.pk for e in self.entries if e.message is not None]
        notes = [e.note.pk for e in self.entries if e.note is not None]
        every = [a for e in self.entries for a in e.actions] + self.loose_actions
        touched = max((a.updated_at.timestamp() for a in every), default=0.0)
        return f"{max(messages, default=0)}.{max(notes, default=0)}.{len(every)}.{touched:.6f}"

    @property
    def awaiting(self) -> list[AgentAction]:
        every = [a for e in self.entries for a in e.actions] + self.loose_actions
        return [a for a in every if a.status == "awaiting_approval"]


def conversation_transcript(store: Store, conversation_id: int) -> Transcript:
    """Four queries; team notes sit between the messages by time.

    Raises Conversation.DoesNotExist for another store's conversation."""
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
    notes = InternalNote.objects.filter(conversation=conversation, store=store).order_by("id")
    merged = list(entries.values()) + [TranscriptEntry(None, note=n) for n in notes]
    merged.sort(key=lambda e: e.at)  # stable: messages keep their id order on equal times
    return Transcript(conversation, merged, loose)
