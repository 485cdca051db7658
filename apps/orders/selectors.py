"""Store-scoped reads of the local order snapshot. Nothing here loads an order by bare id."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Q, QuerySet

from apps.orders.models import Order
from apps.stores.models import Store


def _newest_first(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.order_by(F("platform_created_at").desc(nulls_last=True), "-number", "-id")


def order_get(*, store: Store, platform_order_id: str) -> Order | None:
    """The store's order with this platform id, or None (another store's id is None too)."""
    if not platform_order_id:
        return None
    return Order.objects.filter(store=store, platform_order_id=platform_order_id).first()


def orders_with_number(*, store: Store, number: int) -> QuerySet[Order]:
    """The store's orders numbered `number` (a platform may reuse a name), newest first."""
    named = Q(number__isnull=True, name=f"#{number}")
    return _newest_first(Order.objects.filter(Q(number=number) | named, store=store))


def order_candidates_for_customer(
    *, store: Store, email: str = "", phone_suffix: str = "", customer_id: str = ""
) -> Iterator[Order]:
    """Orders that may belong to this customer, newest first: a superset to confirm.

    Phones are stored in many formats, so they are matched on their last digits
    (`phone_suffix`) and the caller compares the normalised numbers. Yields nothing
    when no identity is given: this never lists a store's orders wholesale.
    """
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if customer_id:
        match |= Q(customer_platform_id=customer_id)
    if phone_suffix:
        match |= Q(phone__endswith=phone_suffix)
        match |= Q(shipping_address__phone__endswith=phone_suffix)
    if not match:
        return iter(())
    return _newest_first(Order.objects.filter(match, store=store)).iterator(chunk_size=100)
