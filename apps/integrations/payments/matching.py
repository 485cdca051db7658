"""Finding the payment of an order paid outside the platform, and proving it is that order's.

Where the reference comes from: OrderInfo.payments, which each commerce provider fills from
what its orders carry (a transaction's gateway and authorization, e.g. a Stripe pi_…; an
order attribute or metadata a custom checkout set, such as `stripe_payment_intent`), kept
in the order snapshot (Order.payment_references). Shopify's order reads leave payments out:
its provider reads them with their own query just before a refund
(commerce.shopify.payments, which documents where a Stripe payment shows on a Shopify
order). A reference counts only when its gateway names Stripe and it has the shape of a
Stripe id (pi_…, ch_…, py_…).

Exactly one distinct Stripe reference must be found; two different ones are ambiguous and
refused. A payment a provider reports as Stripe's without any id (an empty reference: the
Shopify reader found a Stripe transaction but no id in it) is refused too: refunding it on
the platform instead may only record a refund Stripe never makes.

A reference is only a claim written on the order, so before any money moves the payment
itself must agree with the order (`mismatch`): it succeeded, in the order's currency,
for exactly the order's total; a receipt email on it equals the order's email; order ids in
its metadata, if any, name this order. Otherwise the refund is refused and a person looks.
"""

from __future__ import annotations

import re

from apps.integrations.commerce.base import OrderInfo, normalise_email
from apps.integrations.payments.base import PaymentInfo, to_minor

STRIPE_ID = re.compile(r"(pi|ch|py)_[A-Za-z0-9]{8,250}")
# Metadata keys a checkout commonly records the order under.
ORDER_KEYS = ("order_id", "shopify_order_id", "order", "order_name", "order_number")


class Ambiguous(ValueError):
    """The order names more than one Stripe payment."""


class Unidentified(ValueError):
    """The order was paid through Stripe, but names no Stripe id to refund."""


def stripe_reference(order: OrderInfo) -> str:
    """The order's Stripe payment id, "" when it names no Stripe payment at all. Raises
    Ambiguous (two ids) and Unidentified (Stripe named, no id)."""
    stripe = [p for p in order.payments if "stripe" in p.gateway.lower()]
    found = {p.reference.strip() for p in stripe if STRIPE_ID.fullmatch(p.reference.strip())}
    if len(found) > 1:
        raise Ambiguous("The order names more than one Stripe payment.")
    if not found and any(not p.reference.strip() for p in stripe):
        raise Unidentified("The order was paid through Stripe but names no Stripe payment id.")
    return found.pop() if found else ""


def _names_order(value: str, order: OrderInfo) -> bool:
    value = value.strip().lstrip("#")
    tail = order.id.rsplit("/", 1)[-1]
    return value in {order.id, tail, order.name.lstrip("#"), str(order.number or "")}


def mismatch(order: OrderInfo, payment: PaymentInfo) -> str:
    """Why this payment is not the order's ("" when it is)."""
    if not payment.succeeded:
        return "The Stripe payment did not succeed."
    if payment.currency.upper() != order.currency.upper():
        return f"The Stripe payment is in {payment.currency}, the order in {order.currency}."
    if to_minor(payment.amount, payment.currency) != to_minor(order.total_price, order.currency):
        return "The Stripe payment's amount differs from the order's total."
    if (
        payment.email
        and order.email
        and (normalise_email(payment.email) != normalise_email(order.email))
    ):
        return "The Stripe payment's receipt email differs from the order's email."
    named = [payment.metadata[k] for k in ORDER_KEYS if payment.metadata.get(k)]
    if named and not any(_names_order(v, order) for v in named):
        return "The Stripe payment's metadata names another order."
    return ""
