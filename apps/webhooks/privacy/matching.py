"""Which rows of one store belong to one customer, by any identity Shopify gave us.

A customer is matched by platform customer id, email (case-insensitive) or phone
(normalised digits), and orders also by the ids Shopify listed. An identity part that is
empty matches nothing: an empty email must never select every row without an email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from apps.conversations.models import Conversation
from apps.integrations.commerce.base import normalise_email, normalise_phone
from apps.integrations.commerce.shopify.ids import gid
from apps.orders.models import Order
from apps.stores.models import Store
from apps.webhooks.privacy.schemas import ComplianceCustomer


@dataclass(frozen=True)
class CustomerIdentity:
    platform_ids: tuple[str, ...]
    email: str
    phone: str
    order_ids: tuple[str, ...]

    @classmethod
    def from_payload(
        cls, customer: ComplianceCustomer, order_ids: Iterable[int]
    ) -> CustomerIdentity:
        # Orders carry the gid; a storefront (App Proxy) conversation carries the number.
        ids = (gid("Customer", customer.id), str(customer.id)) if customer.id else ()
        return cls(
            platform_ids=ids,
            email=normalise_email(customer.email or ""),
            phone=normalise_phone(customer.phone or ""),
            order_ids=tuple(gid("Order", number) for number in order_ids),
        )

    def matches_email(self, value: str) -> bool:
        return bool(self.email) and normalise_email(value) == self.email

    def matches_phone(self, value: str) -> bool:
        return bool(self.phone) and normalise_phone(value) == self.phone


def _identity_q(identity: CustomerIdentity, *, id_field: str, email_field: str) -> Q | None:
    parts = []
    if identity.platform_ids:
        parts.append(Q(**{f"{id_field}__in": identity.platform_ids}))
    if identity.email:
        parts.append(Q(**{f"{email_field}__iexact": identity.email}))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _phone_matches(rows: Iterable[tuple[int, str]], identity: CustomerIdentity) -> set[int]:
    # Phone formats differ ("+1 555-010-1234" vs "5550101234"): compare normalised, in Python.
    return {pk for pk, phone in rows if identity.matches_phone(phone)}


def customer_order_ids(store: Store, identity: CustomerIdentity) -> set[int]:
    """Primary keys of the store's orders that belong to this customer."""
    orders = Order.objects.filter(store=store)
    found: set[int] = set()
    if identity.order_ids:
        found.update(
            orders.filter(platform_order_id__in=identity.order_ids).values_list("pk", flat=True)
        )
    query = _identity_q(identity, id_field="customer_platform_id", email_field="email")
    if query is not None:
        found.update(orders.filter(query).values_list("pk", flat=True))
    if identity.phone:
        found |= _phone_matches(orders.exclude(phone="").values_list("pk", "phone"), identity)
    return found


def customer_conversation_ids(
    store: Store, identity: CustomerIdentity, order_ids: set[int]
) -> set[int]:
    """Primary keys of the store's conversations with this customer (or about their orders)."""
    conversations = Conversation.objects.filter(store=store)
    found: set[int] = set()
    query = _identity_q(identity, id_field="customer_platform_id", email_field="customer_email")
    if query is not None:
        found.update(conversations.filter(query).values_list("pk", flat=True))
    if order_ids:
        found.update(
            conversations.filter(order_in_focus__in=order_ids).values_list("pk", flat=True)
        )
    if identity.phone:
        rows = conversations.exclude(customer_phone="").values_list("pk", "customer_phone")
        found |= _phone_matches(rows, identity)
    return found
