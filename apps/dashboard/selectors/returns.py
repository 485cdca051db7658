"""A conversation's returns as the merchant reads them: the label (cost, carrier, link), where
the parcel is (a timeline of what the carrier reported), and the refund's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.conversations.models import ActionKind, AgentAction, Conversation
from apps.integrations.payments.base import refund_key
from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.shipping.models import ReturnShipment
from apps.stores.models import RefundRelease, Store, StoreSettings


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime | None


@dataclass(frozen=True)
class ReturnView:
    label: AgentAction
    shipment: ReturnShipment | None
    refund: AgentAction | None
    payment_refund: PaymentRefundRecord | None
    awaiting_inspection: bool

    @property
    def timeline(self) -> list[Step]:
        row = self.shipment
        if row is None:
            return []
        steps = [Step("Label bought", row.created_at if row.label_url else None)]
        steps.append(Step("First carrier scan", row.first_scan_at))
        steps.append(Step("Delivered to you", row.delivered_at))
        if row.inspected_at:
            steps.append(Step(f"Inspected by {row.inspected_by or 'your team'}", row.inspected_at))
        if row.latest_event:
            steps.append(Step(f"Latest: {row.latest_event}", row.latest_event_at))
        return [s for s in steps if s.at is not None]


def conversation_returns(store: Store, conversation: Conversation) -> list[ReturnView]:
    """The returns with a label in this conversation (the store's only): three queries,
    plus one per Stripe-refunded return."""
    labels = list(
        AgentAction.objects.filter(
            store=store, conversation=conversation, kind=ActionKind.RETURN_LABEL
        ).order_by("pk")
    )
    if not labels:
        return []
    shipments = {
        s.reference: s
        for s in ReturnShipment.objects.filter(
            store=store, reference__in=[a.idempotency_key for a in labels]
        )
    }
    refund_ids = [s.refund_action_id for s in shipments.values() if s.refund_action_id]
    refunds = {a.pk: a for a in AgentAction.objects.filter(store=store, pk__in=refund_ids)}
    inspected_rule = (
        StoreSettings.objects.filter(store=store).values_list("refund_release", flat=True).first()
        == RefundRelease.INSPECTED
    )
    views = []
    for label in labels:
        shipment = shipments.get(label.idempotency_key)
        refund = refunds.get(shipment.refund_action_id or 0) if shipment else None
        record = (
            PaymentRefundRecord.objects.filter(store=store, key=refund_key(store.pk, refund.pk))
            .only("status", "failure_reason", "refund_id")
            .first()
            if refund is not None and (refund.result or {}).get("provider")
            else None
        )
        waiting = bool(
            inspected_rule
            and shipment is not None
            and shipment.label_url
            and shipment.inspected_at is None
        )
        views.append(ReturnView(label, shipment, refund, record, waiting))
    return views
