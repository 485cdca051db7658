"""The Celery tasks of a return: buy its prepaid label; release an inspected refund; the
beat sweep that enqueues labels whose task was lost."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from apps.agent.return_flow import Run, return_label_run
from apps.agent.return_notices import refund_told_once
from apps.agent.return_refunds import return_refund_release
from apps.agent.return_sweep import BATCH, returns_missing_a_label
from apps.integrations.commerce.base import TransientCommerceError
from apps.integrations.shipping.models import ReturnShipment

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
FIRST_BACKOFF_SECONDS = 30


@shared_task(
    bind=True,
    name="agent.return_label",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def return_label_task(self, return_action_id: int) -> None:  # type: ignore[no-untyped-def]
    """Buy the label of return action `return_action_id` and tell the customer, once.

    Safe to run twice or after a kill: the label action's claim and the label's intent row
    (keyed by the action) let one purchase happen; a rate limit or an outage at the
    provider retries with backoff, and the last attempt tells the customer and the team.
    """
    final = self.request.retries >= MAX_RETRIES
    if return_label_run(return_action_id, final=final) == Run.RETRY:
        raise self.retry(countdown=FIRST_BACKOFF_SECONDS * 2**self.request.retries)


@shared_task(
    bind=True,
    name="agent.return_release",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def return_release_task(self, shipment_id: int) -> None:  # type: ignore[no-untyped-def]
    """Release an inspected return's refund and tell the customer (both once)."""
    shipment = ReturnShipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        return
    try:
        refund = return_refund_release(shipment)
    except TransientCommerceError as exc:
        countdown = FIRST_BACKOFF_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown) from exc
    if refund is not None:
        refund_told_once(refund)


@shared_task(
    name="agent.sweep_return_labels", acks_late=True, ignore_result=True, soft_time_limit=30
)
def sweep_return_labels() -> int:
    """Beat: enqueue the label task of recorded returns left without one (a broker outage,
    a worker lost before the task ran; apps.agent.return_sweep). Returns how many."""
    lost = list(returns_missing_a_label(timezone.now())[:BATCH])
    for return_action_id in lost:
        return_label_task.delay(return_action_id)
    if lost:
        logger.warning("re-enqueued the label of %d return(s): %s", len(lost), lost)
    return len(lost)
