"""Celery tasks of the helpdesk outbox. Each takes ids only and is safe to run twice."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction

from apps.conversations.models import Conversation
from apps.helpdesk.escalation import mirror_start
from apps.helpdesk.sync import connected_helpdesks, sync_send, sync_sweep

logger = logging.getLogger(__name__)


def enqueue_sync(row_id: int, *, countdown: float = 0) -> None:
    """Publish `send_helpdesk_sync(row_id)`; a lost publish only delays (the row is durable)."""
    try:
        send_helpdesk_sync.apply_async((row_id,), countdown=countdown, retry=False)
    except Exception:  # broker errors of every kind: the row stays pending for the sweep
        logger.warning("helpdesk sync %s not enqueued (broker unavailable)", row_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def send_helpdesk_sync(row_id: int) -> str:
    """Send one outbox row (see apps.helpdesk.sync); schedule its retry or its successor."""
    outcome = sync_send(row_id)
    if outcome.retry_in is not None:
        enqueue_sync(row_id, countdown=outcome.retry_in)
    if outcome.next_row is not None:  # the thread's next message, now free to go
        enqueue_sync(outcome.next_row)
    return outcome.status


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_helpdesk_sync() -> int:
    """Beat, every minute: re-enqueue stranded rows (a lost publish, a dead worker)."""
    rows = sync_sweep()
    for row_id in rows:
        enqueue_sync(row_id)
    return len(rows)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def mirror_conversation(conversation_id: int) -> int:
    """Start mirroring a conversation into every connected helpdesk, as the store's
    settings say (escalations only by default), with the team's note for an escalation.
    Idempotent: the ticket is created with the transcript by the sync rows, in order."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return 0
    providers = connected_helpdesks(conversation.store_id)
    with transaction.atomic():
        first_rows = mirror_start(conversation, providers)
        for row_id in first_rows:
            transaction.on_commit(partial(enqueue_sync, row_id))
    return len(first_rows)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def helpdesk_disconnect(credential_id: int) -> bool:
    """Remove our webhooks from the merchant's helpdesk, then forget the credentials."""
    from apps.helpdesk.connect import helpdesk_disconnect_run

    return helpdesk_disconnect_run(credential_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def refresh_helpdesk_assignees(store_id: int) -> int:
    """List the people and teams of the store's helpdesks for the settings form."""
    from apps.helpdesk.assignees import assignees_refresh

    return assignees_refresh(store_id)


def enqueue_assignees_refresh(store_id: int) -> None:
    try:
        refresh_helpdesk_assignees.apply_async((store_id,), retry=False)
    except Exception:  # broker errors: the form takes a typed id meanwhile
        logger.warning("helpdesk assignees of store %s not enqueued", store_id)
