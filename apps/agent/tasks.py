"""The Celery task that answers a customer message."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.agent.escalation import escalate_message
from apps.agent.pipeline import reply_fallback, run_turn
from apps.agent.reconcile import stuck_action_ids
from apps.agent.return_tasks import return_label_task  # noqa: F401  (registers the task)
from apps.agent.services import action_carry_out
from apps.conversations.models import Message, MessageRole
from apps.conversations.takeover import AI_SILENT
from apps.core.locks import LockTimeout, named_lock
from apps.integrations.commerce.base import ReauthorizationRequired, TransientCommerceError

logger = logging.getLogger(__name__)

TURN_TIME_LIMIT = settings.AGENT_TURN_TIME_LIMIT
# The conversation lock's lease, renewed while a turn runs: a worker killed mid-turn
# holds up that chat's next reply for at most this long.
LOCK_LEASE = 15.0
# A message that finds its conversation busy waits briefly in the worker, then steps
# aside (a retry) so the worker process serves other chats meanwhile.
LOCK_WAIT = 1.0
LOCK_RETRY_SECONDS = 2
MAX_LOCK_RETRIES = 60
# A busy or unreachable platform (Shopify throttling, 5xx): the customer sees the typing
# indicator while we retry, then an honest "passed to our team" instead of an error.
# Counted apart from lock waits: waiting for one's turn is not a platform failure.
PLATFORM_RETRIES = 4
PLATFORM_RETRY_SECONDS = 5


def conversation_lock_name(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def conversation_lock(
    conversation_id: int, *, wait: float = LOCK_WAIT
) -> AbstractContextManager[None]:
    """One turn at a time in a conversation: a short lease, renewed while the turn runs."""
    return named_lock(
        conversation_lock_name(conversation_id), timeout=LOCK_LEASE, wait=wait, renew=True
    )


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TURN_TIME_LIMIT,
    time_limit=TURN_TIME_LIMIT + 15,
    max_retries=MAX_LOCK_RETRIES + PLATFORM_RETRIES,
    ignore_result=True,
)
def handle_message(self, message_id: int, platform_attempts: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Answer customer message `message_id` and every earlier unanswered one, in order.

    One turn at a time per conversation (a Redis lock); when the lock is busy the task
    retries later instead of dropping the message. Idempotent: answered messages are
    skipped, so a redelivered task gives no second reply and no second action. A turn
    that overruns AGENT_TURN_TIME_LIMIT gets a short apology instead of silence.
    `platform_attempts` counts the retries the platform caused (the retries beyond them
    were lock waits): only PLATFORM_RETRIES of those before the team takes over.
    """
    row = (
        Message.objects.filter(pk=message_id, role=MessageRole.CUSTOMER)
        .values("conversation_id", "handled_at")
        .first()
    )
    if row is None or row["handled_at"] is not None:
        return
    conversation_id = row["conversation_id"]
    try:
        with conversation_lock(conversation_id):
            answer_in_order(conversation_id, up_to=message_id)
    except LockTimeout as exc:
        if self.request.retries - platform_attempts >= MAX_LOCK_RETRIES:
            logger.warning("message %s gave up waiting for its conversation", message_id)
            return  # still unanswered: the unanswered-message sweep enqueues it again
        raise self.retry(
            exc=exc,
            countdown=LOCK_RETRY_SECONDS,
            kwargs={"platform_attempts": platform_attempts},
        ) from exc
    except TransientCommerceError as exc:
        if platform_attempts < PLATFORM_RETRIES:
            countdown = PLATFORM_RETRY_SECONDS * (platform_attempts + 1)
            raise self.retry(
                exc=exc, countdown=countdown, kwargs={"platform_attempts": platform_attempts + 1}
            ) from exc
        logger.warning("platform still unavailable for message %s: %s", message_id, exc)
        _give_up_to_team(message_id)
    except ReauthorizationRequired:
        logger.warning("store needs re-authorisation; message %s goes to the team", message_id)
        _give_up_to_team(message_id)
    except SoftTimeLimitExceeded:
        logger.warning("turn for message %s overran its time limit", message_id)
        reply_fallback(message_id)


def answer_on_commit(message_id: int) -> None:
    """Ask a worker to answer customer message `message_id` once the current transaction
    commits (at once outside one). Never raises: the message row is committed by then, so
    a broker outage only delays the answer until the unanswered-message sweep runs."""
    transaction.on_commit(lambda: _enqueue_answer(message_id))


def _enqueue_answer(message_id: int) -> None:
    try:
        handle_message.apply_async((message_id,), retry=False)
    except Exception:  # kombu, redis and socket errors alike: the sweep covers it
        logger.warning(
            "message %s not enqueued (broker unavailable); the sweep will answer it",
            message_id,
            exc_info=True,
        )


def _give_up_to_team(message_id: int) -> None:
    """Say so honestly and hand the conversation to people, as any escalation does."""
    reply = reply_fallback(message_id, reason="platform_unavailable")
    if reply is None:
        return
    escalate_message(message_id, reason="platform_unavailable")


def answer_in_order(conversation_id: int, *, up_to: int) -> int:
    """Run the pipeline on each unanswered customer message up to `up_to`, oldest first.

    Call only while holding the conversation's lock. Returns how many were answered.
    """
    waiting = Message.objects.filter(
        conversation_id=conversation_id,
        role=MessageRole.CUSTOMER,
        handled_at__isnull=True,
        pk__lte=up_to,
    ).order_by("pk")
    answered = 0
    for message in waiting:
        run_turn(message)
        answered += 1
    return answered


SWEEP_BATCH = 500


def unanswered_messages(now: datetime) -> QuerySet[Message, int]:
    """Ids of customer messages nobody answered, older than the grace period and younger
    than a day, oldest first (served by the partial index message_unanswered_idx)."""
    grace = timedelta(seconds=settings.AGENT_UNANSWERED_GRACE_SECONDS)
    return (
        Message.objects.filter(
            role=MessageRole.CUSTOMER,
            handled_at__isnull=True,
            created_at__lt=now - grace,
            created_at__gte=now - timedelta(days=1),
        )
        .exclude(conversation__status__in=AI_SILENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60)
def sweep_unanswered_messages() -> int:
    """Re-enqueue customer messages that nobody answered.

    A message can be left unanswered when the broker was down as it arrived or its task
    used up its retries. handle_message skips answered messages, so re-enqueueing is
    always safe. Messages older than a day are left alone: a reply that late would
    confuse more than it helps. Returns how many were re-enqueued.
    """
    stranded = list(unanswered_messages(timezone.now())[:SWEEP_BATCH])
    for message_id in stranded:
        handle_message.delay(message_id)
    if stranded:
        logger.warning("re-enqueued %d unanswered customer message(s)", len(stranded))
    return len(stranded)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=TURN_TIME_LIMIT,
    time_limit=TURN_TIME_LIMIT + 15,
)
def execute_action(action_id: int) -> None:
    """Carry out an approved action, or resume one a dead process left executing, and tell
    the customer (apps.agent.services.action_carry_out). Safe to run twice: the action
    lock and the status claim let one run reach the platform, under the action's key."""
    action_carry_out(action_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60)
def reconcile_actions() -> int:
    """Beat: enqueue every action left executing or approved-but-not-started (see
    apps.agent.reconcile). Returns how many were enqueued."""
    stuck = stuck_action_ids(timezone.now())
    for action_id in stuck:
        execute_action.delay(action_id)
    if stuck:
        logger.warning("re-enqueued %d unfinished action(s): %s", len(stuck), stuck)
    return len(stuck)
