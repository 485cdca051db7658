"""Working one event: claim it atomically, run its topic's handler, record the outcome.

The claim is a conditional UPDATE (pending, or failed and due -> processing): a rowcount
of 0 means another worker has it or it is done, so duplicates of a task are harmless.
`claimed_at` fences the outcome: an attempt the sweep has given up on cannot overwrite
the result of the attempt that replaced it.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.utils import timezone
from redis.exceptions import RedisError

from apps.core.locks import LockTimeout
from apps.core.logging import redact
from apps.integrations.commerce.base import TransientCommerceError
from apps.stores.models import Platform, Store
from apps.webhooks import backlog
from apps.webhooks.dispatch import queue_for
from apps.webhooks.handlers import HANDLERS
from apps.webhooks.handlers.base import (
    HandlerResult,
    PermanentHandlerError,
    TransientHandlerError,
)
from apps.webhooks.inbox import NO_HANDLER, NOT_INSTALLED, UNINSTALLED
from apps.webhooks.models import WebhookEvent, WebhookStatus
from apps.webhooks.topics import AFTER_UNINSTALL_TOPICS

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisError,
    LockTimeout,
    TransientCommerceError,
    TransientHandlerError,
    SoftTimeLimitExceeded,
)
BACKOFF_BASE_SECONDS = 15.0
# Below the Redis visibility timeout (3600 s), so a delayed retry is never redelivered early.
BACKOFF_CAP_SECONDS = 1800.0
# The worker's clock may run slightly ahead of the one that set next_attempt_at.
_CLOCK_TOLERANCE = timedelta(seconds=2)


@dataclass(frozen=True)
class ProcessOutcome:
    status: str  # a WebhookStatus value, or "skipped" when the claim found nothing to do
    retry_in: float | None = None
    topic: str = ""  # the event's, so a retry goes back to the queue it came from


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: attempt 1 waits 7.5-15 s, doubling to a 30 min cap."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


def webhook_event_process(event_id: int) -> ProcessOutcome:
    """Process one event if it is claimable. Never raises for a handler's failure: the
    failure is recorded, and `retry_in` says when to try again (None = don't)."""
    event = _claim(event_id)
    if event is None:
        return ProcessOutcome("skipped")
    try:
        result = _run(event)
    except TRANSIENT_ERRORS as exc:
        return _fail(event, exc, transient=True)
    except Exception as exc:  # a bad payload or a bug: the same input fails the same way
        return _fail(event, exc, transient=False)
    _finish(event, result)
    return ProcessOutcome(result.status, topic=event.topic)


def _claim(event_id: int) -> WebhookEvent | None:
    now = timezone.now()
    due = Q(status=WebhookStatus.PENDING) | Q(
        status=WebhookStatus.FAILED, next_attempt_at__lte=now + _CLOCK_TOLERANCE
    )
    claimed = WebhookEvent.objects.filter(due, pk=event_id).update(
        status=WebhookStatus.PROCESSING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        next_attempt_at=None,
    )
    if not claimed:
        return None
    event = WebhookEvent.objects.select_related("store").get(pk=event_id)
    if queue_for(event.topic) == settings.CELERY_TASK_DEFAULT_QUEUE:
        # The watermark is the default queue's head: a customer's message, taken at once
        # from the chat queue, would move it past a backlog still waiting there.
        backlog.note_claimed(event.dispatched_at)
    return event


def _store_for(event: WebhookEvent) -> Store | None:
    if event.store is not None:
        return event.store
    # Unknown on arrival; it may have installed since (a replayed event).
    store = Store.objects.filter(platform=Platform.SHOPIFY, domain=event.shop_domain).first()
    if store is not None:
        WebhookEvent.objects.filter(pk=event.pk).update(store=store)
    return store


def _run(event: WebhookEvent) -> HandlerResult:
    store = _store_for(event)
    if store is None:
        return HandlerResult.ignored(NOT_INSTALLED)
    if not store.is_installed and event.topic not in AFTER_UNINSTALL_TOPICS:
        return HandlerResult.ignored(UNINSTALLED)
    handler = HANDLERS.get(event.topic)
    if handler is None:
        return HandlerResult.ignored(NO_HANDLER)
    return handler(event, store)


def _mine(event: WebhookEvent) -> Q:
    return Q(pk=event.pk, status=WebhookStatus.PROCESSING, claimed_at=event.claimed_at)


def _finish(event: WebhookEvent, result: HandlerResult) -> None:
    WebhookEvent.objects.filter(_mine(event)).update(
        status=result.status,
        note=result.note[:300],
        last_error="",
        processed_at=timezone.now(),
    )


def describe(exc: BaseException) -> str:
    """An error for `last_error` and logs: type and message, credentials redacted."""
    return redact(f"{type(exc).__name__}: {exc}")[:2000]


def _fail(event: WebhookEvent, exc: BaseException, *, transient: bool) -> ProcessOutcome:
    error = describe(exc)
    retry = transient and event.attempts < settings.WEBHOOK_MAX_ATTEMPTS
    delay = retry_delay(event.attempts) if retry else None
    now = timezone.now()
    WebhookEvent.objects.filter(_mine(event)).update(
        status=WebhookStatus.FAILED,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay) if delay is not None else None,
        dispatched_at=now,
    )
    if delay is not None:
        logger.warning(
            "webhook event %s (%s) attempt %s failed, retry in %.0f s: %s",
            event.pk, event.topic, event.attempts, delay, error,
        )  # fmt: skip
    else:
        # A traceback for the unexpected; a refused payload explains itself.
        unexpected = not transient and not isinstance(exc, PermanentHandlerError)
        logger.error(
            "webhook event %s (%s) failed for good after %s attempt(s): %s",
            event.pk, event.topic, event.attempts, error,
            exc_info=exc if unexpected else None,
        )  # fmt: skip
    return ProcessOutcome(WebhookStatus.FAILED, retry_in=delay, topic=event.topic)
