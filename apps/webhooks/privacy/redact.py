"""customers/redact and shop/redact: erase a customer's data, or a whole store's.

Deletion, not anonymisation: our rows are a cache of what the merchant still holds in
Shopify plus the conversations we had, and none of them is needed once the request
arrives. Webhook payloads that carried the customer's data are scrubbed in place (the
rows stay so a late redelivery is still recognised as a duplicate).
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT

from apps.conversations.models import AgentAction, Conversation, Message
from apps.integrations.commerce.shopify.ids import gid_number
from apps.orders.models import Order
from apps.shopify_app.models import OAuthState
from apps.stores.models import Platform, Store
from apps.webhooks.models import CustomerDataExport, Provider, WebhookEvent
from apps.webhooks.privacy.matching import (
    CustomerIdentity,
    customer_conversation_ids,
    customer_order_ids,
)
from apps.webhooks.privacy.schemas import CustomerRedactPayload
from apps.webhooks.topics import (
    CUSTOMERS_DATA_REQUEST,
    EMAIL_INBOUND,
    ORDER_TOPICS,
    REFUNDS_CREATE,
    SMS_INBOUND,
)

REDACTED_PAYLOAD = {"redacted": True}
_BATCH = 500


def _store_events(store: Store) -> QuerySet[WebhookEvent]:
    """The store's events, including those that arrived while it was unknown (no FK)."""
    same_shop = Q(store=store)
    if store.platform == Platform.SHOPIFY:
        same_shop |= Q(store__isnull=True, provider=Provider.SHOPIFY, shop_domain=store.domain)
    return WebhookEvent.objects.filter(same_shop)


def _customer_events_q(identity: CustomerIdentity, order_numbers: set[int]) -> Q:
    """Deliveries whose payload is about this customer or one of their orders."""
    query = Q(topic__in=ORDER_TOPICS, payload__id__in=list(order_numbers)) | Q(
        topic=REFUNDS_CREATE, payload__order_id__in=list(order_numbers)
    )
    customer_numbers = [int(i) for i in identity.platform_ids if i.isdigit()]
    for topic_q in (Q(topic__in=ORDER_TOPICS), Q(topic=CUSTOMERS_DATA_REQUEST)):
        if customer_numbers:
            query |= topic_q & Q(payload__customer__id__in=customer_numbers)
        if identity.email:
            query |= topic_q & Q(payload__customer__email__iexact=identity.email)
    return query


def _customer_message_events(store: Store, identity: CustomerIdentity) -> list[int]:
    """Inbound texts and emails from this customer whose payload still holds the message:
    a processed one was cleared by its handler, but one still pending or failed (or
    stored before handlers cleared payloads) carries their words, number and address."""
    if not (identity.phone or identity.email):
        return []
    fields = {SMS_INBOUND: "from", EMAIL_INBOUND: "sender"}
    events = (
        _store_events(store)
        .filter(topic__in=fields)
        .annotate(
            sms_from=KT("payload__from"),
            email_from=KT("payload__sender"),
        )
        .values_list("pk", "topic", "sms_from", "email_from")
    )
    return [
        pk
        for pk, topic, sms_from, email_from in events.iterator()
        if (topic == SMS_INBOUND and identity.matches_phone(sms_from or ""))
        or (topic == EMAIL_INBOUND and identity.matches_email(email_from or ""))
    ]


def _delete_exports(store: Store, identity: CustomerIdentity) -> int:
    exports = CustomerDataExport.objects.filter(store=store)
    doomed = {
        pk
        for pk, platform_id, email, phone in exports.values_list(
            "pk", "customer_platform_id", "email", "phone"
        )
        if platform_id in identity.platform_ids
        or identity.matches_email(email)
        or identity.matches_phone(phone)
    }
    return _count(exports.filter(pk__in=doomed).delete(), CustomerDataExport)


def _count(result: tuple[int, dict[str, int]], model: type[models.Model]) -> int:
    return result[1].get(model._meta.label, 0)


def customer_redact(
    *, store: Store, request: CustomerRedactPayload, event: WebhookEvent
) -> dict[str, int]:
    """Delete the customer's orders, conversations (messages, actions) and exports in this
    store, and scrub webhook payloads about them. Other customers and stores are untouched.
    Idempotent: a second run finds nothing left. Returns counts per kind."""
    identity = CustomerIdentity.from_payload(request.customer, request.orders_to_redact)
    with transaction.atomic():
        order_ids = customer_order_ids(store, identity)
        conversation_ids = customer_conversation_ids(store, identity, order_ids)
        orders = Order.objects.filter(store=store, pk__in=order_ids)
        numbers = {
            n for n in map(gid_number, orders.values_list("platform_order_id", flat=True)) if n
        }
        numbers.update(request.orders_to_redact)
        actions = AgentAction.objects.filter(store=store).filter(
            Q(conversation_id__in=conversation_ids) | Q(order_id__in=order_ids)
        )
        counts = {
            "agent_actions": _count(actions.delete(), AgentAction),
            "messages": _count(
                Message.objects.filter(store=store, conversation_id__in=conversation_ids).delete(),
                Message,
            ),
            "conversations": _count(
                Conversation.objects.filter(store=store, pk__in=conversation_ids).delete(),
                Conversation,
            ),
            "orders": _count(orders.delete(), Order),
            "exports": _delete_exports(store, identity),
            "webhook_payloads": _store_events(store)
            .filter(_customer_events_q(identity, numbers))
            .exclude(pk=event.pk)
            .update(payload=REDACTED_PAYLOAD, note="payload redacted (customers/redact)"),
            # A pending one is never processed now: its handler finds the payload redacted.
            "message_payloads": WebhookEvent.objects.filter(
                pk__in=_customer_message_events(store, identity)
            ).update(payload=REDACTED_PAYLOAD, note="payload redacted (customers/redact)"),
        }
        _scrub_request(event)
    return counts


def _scrub_request(event: WebhookEvent) -> None:
    """Keep the instruction (customer id, order ids), drop the contact details it carried."""
    payload: dict[str, Any] = dict(event.payload)
    customer = dict(payload.get("customer") or {})
    customer.update({key: None for key in ("email", "phone") if customer.get(key)})
    payload["customer"] = customer
    WebhookEvent.objects.filter(pk=event.pk).update(payload=payload)


def _delete_in_batches(queryset: QuerySet[Any]) -> int:
    """Bounded transactions: a huge store is erased over several commits, and a retry
    after a time limit continues where the last one stopped."""
    model = queryset.model
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:_BATCH]):
        deleted += _count(model.objects.filter(pk__in=ids).delete(), model)
    return deleted


def store_erase(*, store: Store, event: WebhookEvent) -> dict[str, int]:
    """Delete every row of the store, then the store itself (shop/redact).

    The store row goes too: its domain, name and settings are the merchant's data, and
    a later reinstall creates a fresh store. `event` (the redact delivery, which holds
    only the shop's id and domain) is kept as the record that the erasure happened.
    Idempotent per batch. Returns counts per kind.
    """
    counts = {
        "agent_actions": _delete_in_batches(AgentAction.objects.filter(store=store)),
        "messages": _delete_in_batches(Message.objects.filter(store=store)),
        "conversations": _delete_in_batches(Conversation.objects.filter(store=store)),
        "customer_data_exports": _delete_in_batches(CustomerDataExport.objects.filter(store=store)),
        "orders": _delete_in_batches(Order.objects.filter(store=store)),
        "webhook_events": _delete_in_batches(_store_events(store).exclude(pk=event.pk)),
    }
    with transaction.atomic():
        OAuthState.objects.filter(shop=store.domain).delete()
        # Cascades whatever else hangs off the store (settings, knowledge, demo rows...).
        counts["store"] = _count(store.delete(), Store)
    return counts
