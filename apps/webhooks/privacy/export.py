"""customers/data_request: everything we hold about one customer of one store, as JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from apps.conversations.models import AgentAction, Conversation, Message
from apps.orders.models import Order
from apps.stores.models import Store
from apps.webhooks.models import CustomerDataExport, WebhookEvent
from apps.webhooks.privacy.matching import (
    CustomerIdentity,
    customer_conversation_ids,
    customer_order_ids,
)
from apps.webhooks.privacy.schemas import DataRequestPayload

_ORDER_FIELDS = (
    "platform_order_id", "name", "number", "customer_platform_id", "email", "phone",
    "customer_name", "financial_status", "fulfillment_status", "cancelled_at", "cancel_reason",
    "closed_at", "currency", "subtotal_price", "total_shipping", "total_tax", "total_price",
    "total_refunded", "line_items", "fulfillments", "refunds", "shipping_address",
    "billing_address", "tags", "note", "status_url", "platform_created_at", "platform_updated_at",
)  # fmt: skip


def _plain(value: Any) -> Any:
    """JSON-safe: Decimal -> str, datetime -> ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _order_record(order: Order) -> dict[str, Any]:
    return {name: _plain(getattr(order, name)) for name in _ORDER_FIELDS}


def _conversation_record(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "channel": conversation.channel,
        "status": conversation.status,
        "customer_email": conversation.customer_email,
        "customer_phone": conversation.customer_phone,
        "customer_platform_id": conversation.customer_platform_id,
        "created_at": _plain(conversation.created_at),
        "messages": [
            {"role": m.role, "text": m.text, "created_at": _plain(m.created_at)}
            for m in conversation.messages.all()
        ],
        "actions": [
            {
                "kind": a.kind,
                "status": a.status,
                "parameters": a.parameters,
                "amount": _plain(a.amount),
                "currency": a.currency,
                "created_at": _plain(a.created_at),
                "executed_at": _plain(a.executed_at),
            }
            for a in conversation.actions.all()
        ],
    }


def customer_data_collect(store: Store, identity: CustomerIdentity) -> dict[str, Any]:
    """The export document: the customer's order snapshots and conversations."""
    order_ids = customer_order_ids(store, identity)
    conversation_ids = customer_conversation_ids(store, identity, order_ids)
    orders = Order.objects.filter(store=store, pk__in=order_ids).order_by("platform_created_at")
    conversations = (
        Conversation.objects.filter(store=store, pk__in=conversation_ids)
        .order_by("created_at")
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.order_by("id")),
            Prefetch("actions", queryset=AgentAction.objects.order_by("id")),
        )
    )
    return {
        "store": store.domain,
        "generated_at": timezone.now().isoformat(),
        "orders": [_order_record(o) for o in orders],
        "conversations": [_conversation_record(c) for c in conversations],
    }


def customer_data_export_build(
    *, store: Store, request: DataRequestPayload, event: WebhookEvent
) -> CustomerDataExport:
    """Create (or, for a redelivered request, rebuild) the export row. Idempotent."""
    identity = CustomerIdentity.from_payload(request.customer, request.orders_requested)
    data = customer_data_collect(store, identity)
    data["customer"] = request.customer.model_dump()
    request_id = request.data_request.id
    export, _ = CustomerDataExport.objects.update_or_create(
        store=store,
        data_request_id=str(request_id) if request_id is not None else f"event-{event.pk}",
        defaults={
            "webhook_event": event,
            "customer_platform_id": identity.platform_ids[0] if identity.platform_ids else "",
            "email": (request.customer.email or "")[:254],
            "phone": (request.customer.phone or "")[:32],
            "orders_requested": list(identity.order_ids),
            "data": data,
        },
    )
    return export
