"""The prepaid label that follows a return: one `return_label` action per return action.

Its key is derived from the return action's key, so however often the return is reported
(a second "yes", a retried task, the reconciler) there is one label action, and through it
at most one label (label_executor, integrations.shipping.labels).
"""

from __future__ import annotations

from dataclasses import asdict

from apps.agent.actions import idempotency_key
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.integrations.commerce.base import Address
from apps.integrations.shipping.base import Parcel, RateRule


def label_action_for_return(
    return_action: AgentAction,
    *,
    customer: Address,
    warehouse: Address,
    parcel: Parcel,
    rule: RateRule,
    policy_reason: str = "Prepaid return labels are on",
) -> AgentAction:
    """The (proposed, or already finished) label action for an executed return."""
    if return_action.kind != ActionKind.CREATE_RETURN:
        raise ValueError("a return label follows a return action")
    if return_action.status != ActionStatus.EXECUTED:
        raise ValueError("a return label is bought only for a return the platform recorded")
    key = idempotency_key(
        store_id=return_action.store_id,
        kind=ActionKind.RETURN_LABEL,
        return_action=return_action.idempotency_key,
    )
    action, _ = AgentAction.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "store_id": return_action.store_id,
            "conversation_id": return_action.conversation_id,
            "message_id": return_action.message_id,
            "order_id": return_action.order_id,
            "kind": ActionKind.RETURN_LABEL,
            "status": ActionStatus.PROPOSED,
            "parameters": {
                "return_action_id": return_action.pk,
                "order_id": return_action.parameters.get("order_id"),
                "order_name": return_action.parameters.get("order_name"),
                "customer": asdict(customer),
                "warehouse": asdict(warehouse),
                "parcel": {k: str(v) for k, v in asdict(parcel).items() if v is not None},
                "rule": {
                    "choice": rule.choice.value,
                    "carriers": list(rule.carriers),
                    "services": list(rule.services),
                    "price_cap": str(rule.price_cap) if rule.price_cap is not None else None,
                },
            },
            "policy_version": return_action.policy_version,
            "policy_reason": policy_reason[:300],
        },
    )
    return action
