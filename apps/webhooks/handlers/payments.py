"""Stripe refund events: record a refund's later fate on our row (never backwards)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.agent.payment_refund_events import refund_settled
from apps.integrations.payments.models import PaymentRefundRecord
from apps.integrations.payments.records import apply_refund
from apps.integrations.payments.stripe.provider import KEY_METADATA, refund_from
from apps.webhooks.handlers.base import HandlerResult, PermanentHandlerError

if TYPE_CHECKING:
    from apps.stores.models import Store
    from apps.webhooks.models import WebhookEvent

UNKNOWN_REFUND = "no refund of this store has this id or key"


def _object(event: WebhookEvent) -> dict[str, Any]:
    payload = event.payload if isinstance(event.payload, dict) else {}
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise PermanentHandlerError("the event carries no object")
    return obj


def _apply(store: Store, obj: dict[str, Any]) -> str:
    refund = refund_from(obj)
    metadata = obj.get("metadata")
    key = metadata.get(KEY_METADATA) if isinstance(metadata, dict) else None
    with transaction.atomic():
        mine = PaymentRefundRecord.objects.select_for_update().filter(store=store)
        record = mine.filter(refund_id=refund.id).first() if refund.id else None
        if record is None and isinstance(key, str) and key:
            record = mine.filter(key=key).first()
        if record is None:
            return UNKNOWN_REFUND
        changed = apply_refund(record, refund)
        if not changed:
            return f"stale: still {record.status}"
        record.save(update_fields=[*changed, "updated_at"])
    refund_settled(record)  # the action (and the customer) follow the provider's word
    return str(record.status)


def handle_refund(event: WebhookEvent, store: Store) -> HandlerResult:
    """refund.created / refund.updated / refund.failed: the object is a Refund."""
    obj = _object(event)
    if obj.get("object") != "refund":
        raise PermanentHandlerError("the event's object is not a refund")
    note = _apply(store, obj)
    if note == UNKNOWN_REFUND:
        return HandlerResult.ignored(note)
    return HandlerResult.processed(note)


def handle_charge_refunded(event: WebhookEvent, store: Store) -> HandlerResult:
    """charge.refunded: the Charge; its `refunds` list is present when the API version
    includes it (otherwise the refund.* events carry each refund)."""
    obj = _object(event)
    if obj.get("object") != "charge":
        raise PermanentHandlerError("the event's object is not a charge")
    refunds = obj.get("refunds")
    items = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(items, list) or not items:
        return HandlerResult.ignored("the charge lists no refunds")
    notes = [_apply(store, r) for r in items if isinstance(r, dict) and r.get("object") == "refund"]
    known = [n for n in notes if n != UNKNOWN_REFUND]
    if not known:
        return HandlerResult.ignored(UNKNOWN_REFUND)
    return HandlerResult.processed(", ".join(known)[:300])
