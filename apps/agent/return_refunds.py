"""Releasing a return's refund when the parcel is on its way back, per the merchant's rule.

The merchant chooses (StoreSettings.refund_release): on the carrier's first scan, on
delivery to the warehouse, or only after a person inspects it (never automatic). When the
return's tracking reaches that point, the refund goes through the same REFUND action as
any other (apps.agent.actions): its key is derived from what it refunds, so however many
tracker events arrive the order is refunded once, and never above what is refundable
(the amount is bounded by the order's refundable amount, and the platform refuses more).
Above the merchant's auto-approve limit (or in another currency) it waits for approval.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.agent.actions import ActionSpec, action_execute, action_get_or_create
from apps.conversations.models import ActionKind, ActionStatus, AgentAction
from apps.integrations.commerce.base import LineItemQuantity, OrderInfo
from apps.integrations.commerce.registry import get_commerce_provider
from apps.integrations.shipping.models import LabelState, ReturnShipment
from apps.stores.models import RefundRelease, ReturnLabels, StoreSettings

CENT = Decimal("0.01")


def release_due(release: str, shipment: ReturnShipment) -> bool:
    """Has the parcel reached the point where the merchant releases the refund?"""
    if shipment.state != LabelState.BOUGHT:
        return False
    if release == RefundRelease.FIRST_SCAN:
        return shipment.first_scan_at is not None
    if release == RefundRelease.DELIVERED:
        return shipment.delivered_at is not None
    return shipment.inspected_at is not None  # inspected: a person approved it


def _return_of(shipment: ReturnShipment) -> AgentAction | None:
    """The executed return this label belongs to (same store, always)."""
    label = AgentAction.objects.filter(
        store_id=shipment.store_id,
        kind=ActionKind.RETURN_LABEL,
        idempotency_key=shipment.reference,
    ).first()
    if label is None:
        return None
    return AgentAction.objects.filter(
        store_id=shipment.store_id,
        pk=label.parameters.get("return_action_id"),
        kind=ActionKind.CREATE_RETURN,
        status=ActionStatus.EXECUTED,
    ).first()


def _items(action: AgentAction) -> tuple[LineItemQuantity, ...]:
    return tuple(
        LineItemQuantity(str(i["line_item_id"]), int(i["quantity"]))
        for i in action.parameters.get("items") or []
    )


def refund_amount(
    order: OrderInfo, items: tuple[LineItemQuantity, ...], label_cost: Decimal | None
) -> Decimal:
    """What the returned items are worth, less the label when the customer pays for it,
    never above what is still refundable on the order."""
    prices = {li.id: li.price for li in order.line_items}
    worth = sum((prices.get(i.line_item_id, Decimal(0)) * i.quantity for i in items), Decimal(0))
    amount = min(worth, order.refundable_amount) - (label_cost or Decimal(0))
    return max(amount, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _released(shipment: ReturnShipment) -> AgentAction | None:
    if shipment.refund_action_id is None:
        return None
    return AgentAction.objects.filter(
        store_id=shipment.store_id, pk=shipment.refund_action_id
    ).first()


def return_refund_release(shipment: ReturnShipment) -> AgentAction | None:
    """The refund action for this return once it is due (executed when within the rules,
    awaiting approval otherwise); None when nothing is due or nothing is left to refund.

    One refund per return: the action's id is recorded on the return's row under a row
    lock, and a later event finds it there (the amount is not part of that: after the
    first refund the order's refundable amount is lower, which would make another key).
    """
    rules = StoreSettings.objects.filter(store_id=shipment.store_id).first()
    if rules is None or not release_due(rules.refund_release, shipment):
        return None
    action = _released(shipment)
    if action is None:
        action = _create_release(shipment, rules)
    if action is not None and action.status in (ActionStatus.PROPOSED, ActionStatus.EXECUTING):
        action = action_execute(action, get_commerce_provider(shipment.store))
    return action


def _create_release(shipment: ReturnShipment, rules: StoreSettings) -> AgentAction | None:
    returned = _return_of(shipment)
    if returned is None:
        return None
    provider = get_commerce_provider(shipment.store)
    order = provider.get_order(str(returned.parameters["order_id"]))
    if order is None:
        return None
    items = _items(returned)
    same_currency = (shipment.currency or order.currency).upper() == order.currency.upper()
    deducted = rules.return_labels == ReturnLabels.DEDUCTED and same_currency
    amount = refund_amount(order, items, shipment.cost if deducted else None)
    if amount <= 0:
        return None
    spec = ActionSpec(
        kind=ActionKind.REFUND,
        order_id=order.id,
        order_name=order.name,
        amount=amount,
        currency=order.currency,
        items=items,
        reason="Return on its way back",
        item_titles=tuple(returned.parameters.get("item_titles") or ()),
    )
    within_limit = (
        order.currency.upper() == rules.refund_currency.upper()
        and amount <= rules.refund_auto_approve_limit
    )
    with transaction.atomic():
        locked = ReturnShipment.objects.select_for_update().get(pk=shipment.pk)
        earlier = _released(locked)
        if earlier is not None:  # released meanwhile by another event's worker
            return earlier
        action = _release_action(returned, spec, rules, within_limit, shipment.store_id)
        locked.refund_action_id = action.pk
        locked.save(update_fields=["refund_action_id", "updated_at"])
    shipment.refund_action_id = action.pk
    return action


def _release_action(
    returned: AgentAction,
    spec: ActionSpec,
    rules: StoreSettings,
    within_limit: bool,
    store_id: int,
) -> AgentAction:
    action, _ = action_get_or_create(
        spec=spec,
        store_id=store_id,
        conversation_id=returned.conversation_id,
        message_id=returned.message_id,
        order_pk=returned.order_id,
        status=ActionStatus.PROPOSED if within_limit else ActionStatus.AWAITING_APPROVAL,
        policy_version=rules.version,
        policy_reason=(
            f"Return scanned by the carrier ({rules.get_refund_release_display().lower()})"
            if within_limit
            else "Return refund above the auto-approve limit: needs approval"
        ),
    )
    return action


def return_inspection_approve(*, store_id: int, shipment_id: int, by: str) -> ReturnShipment:
    """A person checked the returned items: record it once (who and when) so the refund
    can be released under the "after inspection" rule. Raises ReturnShipment.DoesNotExist
    for another store's return. Idempotent: a second approval changes nothing."""
    shipment = ReturnShipment.objects.get(pk=shipment_id, store_id=store_id)
    ReturnShipment.objects.filter(pk=shipment.pk, inspected_at__isnull=True).update(
        inspected_at=timezone.now(), inspected_by=(by or "")[:200], updated_at=timezone.now()
    )
    shipment.refresh_from_db()
    return shipment
