"""What the composer offers: canned replies from the store's own knowledge base."""

from __future__ import annotations

from dataclasses import dataclass

from apps.conversations.models import MAX_MESSAGE_LENGTH
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

MAX_CANNED = 50


@dataclass(frozen=True)
class CannedReply:
    title: str
    body: str


def canned_replies(store: Store) -> list[CannedReply]:
    """The store's FAQ answers, by title, cut to what one message may hold."""
    entries = KnowledgeEntry.objects.filter(store=store, kind=KnowledgeKind.FAQ).order_by("title")
    return [
        CannedReply(title=e.title, body=e.body[:MAX_MESSAGE_LENGTH])
        for e in entries.only("title", "body")[:MAX_CANNED]
    ]
