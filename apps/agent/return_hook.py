"""The moment a return is recorded on the platform: its label is enqueued (on commit).

Kept apart from return_flow so the action machinery can call it without importing the
label purchase (which itself runs through that machinery).
"""

from __future__ import annotations

import logging

from django.db import transaction

from apps.agent.return_offer import labels_wanted
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.stores.services import store_settings

logger = logging.getLogger(__name__)


def return_recorded(action: AgentAction) -> None:
    """A return the platform just recorded: enqueue its label when the merchant wants one."""
    if action.kind != ActionKind.CREATE_RETURN or action.status != ActionStatus.EXECUTED:
        return
    if not labels_wanted(action.store, store_settings(action.store)):
        return
    transaction.on_commit(lambda: _enqueue(action.pk))


def _enqueue(return_action_id: int) -> None:
    from apps.agent.return_tasks import return_label_task

    try:
        return_label_task.delay(return_action_id)
    except Exception:  # the broker is down; the task is idempotent when enqueued again
        logger.warning("label for return %s not enqueued", return_action_id, exc_info=True)
