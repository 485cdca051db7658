"""Finding orders on the demo platform: only for someone who proves they own them."""

from __future__ import annotations

from apps.integrations.commerce.base import (
    Fulfillment,
    OrderInfo,
    OrderNotFound,
    identity_matches,
    normalise_email,
    normalise_phone,
    parse_order_number,
)
from apps.integrations.commerce.snapshot import order_to_info
from apps.orders.selectors import order_candidates_for_customer, order_get, orders_with_number
from apps.stores.models import Store

MAX_LISTED = 50


def _identity(email: str, phone: str, customer_id: str) -> tuple[str, str, str]:
    values = (normalise_email(email), (phone or "").strip(), (customer_id or "").strip())
    if not any(values):
        raise ValueError("an email, a phone number or a customer id is required")
    return values


def find_order(
    store: Store, number: str, *, email: str = "", phone: str = "", customer_id: str = ""
) -> OrderInfo | None:
    """The order numbered `number` ("#1001", "1001", "order no. 1001") if an identity matches.

    A wrong identity and a missing order both give None, so they cannot be told apart.
    """
    email, phone, customer_id = _identity(email, phone, customer_id)
    wanted = parse_order_number(str(number or "")[:100])
    if wanted is None:
        return None
    for order in orders_with_number(store=store, number=wanted):
        info = order_to_info(order)
        if identity_matches(info, email=email, phone=phone, customer_id=customer_id):
            return info
    return None


def get_order(store: Store, order_id: str) -> OrderInfo | None:
    """The store's order by platform id; None for an unknown or another store's id."""
    order = order_get(store=store, platform_order_id=str(order_id or "").strip())
    return order_to_info(order) if order is not None else None


def list_customer_orders(
    store: Store, *, email: str = "", phone: str = "", customer_id: str = "", limit: int = 10
) -> list[OrderInfo]:
    """The customer's newest orders first; each confirmed against the identity given."""
    email, phone, customer_id = _identity(email, phone, customer_id)
    limit = max(1, min(int(limit), MAX_LISTED))
    digits = normalise_phone(phone)
    candidates = order_candidates_for_customer(
        store=store, email=email, phone_suffix=digits[-4:], customer_id=customer_id
    )
    found: list[OrderInfo] = []
    for order in candidates:
        info = order_to_info(order)
        if identity_matches(info, email=email, phone=phone, customer_id=customer_id):
            found.append(info)
            if len(found) == limit:
                break
    return found


def get_tracking(store: Store, order_id: str) -> list[Fulfillment]:
    """The order's fulfillments (parcels), oldest first. Raises OrderNotFound."""
    info = get_order(store, order_id)
    if info is None:
        raise OrderNotFound("No such order in this store.")
    return list(info.fulfillments)
