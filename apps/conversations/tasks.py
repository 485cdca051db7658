"""Beat tasks of conversations: retention (apps.conversations.retention)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from apps.conversations.retention import conversations_purge


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120, ignore_result=True)
def purge_conversations() -> dict[str, object]:
    """Erase conversations past their store's retention, in short batches."""
    return asdict(conversations_purge())
