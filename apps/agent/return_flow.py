"""After a return is recorded on the platform: the prepaid label, bought once, then told.

    return_recorded(action)         # apps.agent.return_hook, called by action_execute
    return_label_run(return_id)     # the task's part: create, buy, tell (idempotent)

The label is an AgentAction of its own (apps.agent.return_labels) whose key derives from
the return's, bought through the shipping provider with the action's key as the label's
reference (apps.integrations.shipping.labels: intent first, never a second label). Nothing
here runs inside a request: the purchase is a provider call, so it happens in a task.
"""

from __future__ import annotations

from enum import StrEnum

from apps.agent.actions import action_execute
from apps.agent.return_labels import label_action_for_return
from apps.agent.return_notices import label_told_once
from apps.agent.return_offer import labels_wanted
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.integrations.commerce.base import TransientCommerceError
from apps.integrations.commerce.registry import get_commerce_provider
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.integrations.shipping.setup import return_setup
from apps.stores.services import store_settings


class Run(StrEnum):
    DONE = "done"  # bought (or failed for good) and told
    RETRY = "retry"  # a transient failure: the task tries again later
    SKIPPED = "skipped"  # no label wanted, or the return is not one we recorded


def label_of(returned: AgentAction) -> AgentAction | None:
    return AgentAction.objects.filter(
        store_id=returned.store_id,
        kind=ActionKind.RETURN_LABEL,
        parameters__return_action_id=returned.pk,
    ).first()


def return_label_run(return_action_id: int, *, final: bool = True) -> Run:
    """Buy the return's label once and tell the customer once. `final`: no retry is left,
    so a transient failure is told (and handed to people) instead of retried."""
    returned = (
        AgentAction.objects.select_related("store", "conversation")
        .filter(pk=return_action_id, kind=ActionKind.CREATE_RETURN, status=ActionStatus.EXECUTED)
        .first()
    )
    if returned is None:
        return Run.SKIPPED
    label = label_of(returned)
    if label is None:
        rules = store_settings(returned.store)
        setup = return_setup(returned.store)
        if setup is None or not labels_wanted(returned.store, rules):
            return Run.SKIPPED
        try:
            order = get_commerce_provider(returned.store).get_order(
                str(returned.parameters.get("order_id", ""))
            )
        except TransientCommerceError:
            return Run.RETRY if not final else Run.SKIPPED
        if order is None or order.shipping_address is None:
            return Run.SKIPPED  # nowhere to send a label from: people handle the return
        label = label_action_for_return(
            returned,
            customer=order.shipping_address,
            warehouse=setup.warehouse,
            parcel=setup.parcel,
            rule=setup.rule,
        )
    if label.status in (ActionStatus.PROPOSED, ActionStatus.EXECUTING, ActionStatus.FAILED):
        label = action_execute(label, get_commerce_provider(returned.store))
    if label.status == ActionStatus.FAILED and _retryable(label) and not final:
        return Run.RETRY
    if label.status in (ActionStatus.EXECUTED, ActionStatus.FAILED):
        label_told_once(label)
    return Run.DONE


def _retryable(label: AgentAction) -> bool:
    """A failure that left the label's intent row open (rate limit, outage): nothing was
    refused for good, so the next attempt finishes it on the same shipment."""
    return ReturnShipment.objects.filter(
        store_id=label.store_id, reference=label.idempotency_key, state=LabelState.INTENDED
    ).exists()
