"""The payments an order was paid with outside Shopify Payments (a Stripe checkout).

Read with its own query (documents.ORDER_PAYMENTS), never with the OrderSnapshot fragment:
the agent asks only when a refund is about to run on a store that connected Stripe, and
the answer is kept on the snapshot row (`payment_references`, `payments_read_for`) until
Shopify's updatedAt of the order moves on. The call goes through the client, so it takes
its points from the shop's shared cost bucket like every other query.

Where a Stripe payment shows on a Shopify order (field names: GraphQL Admin API
`Order.transactions` -> `OrderTransaction`, `Order.customAttributes` -> `Attribute`):

* a transaction whose `gateway` names Stripe (Shopify's direct Stripe gateway, or an order
  a custom Stripe checkout created through the API with its transaction): the
  PaymentIntent / charge id is the `authorizationCode`, else in the gateway's raw receipt
  `receiptJson` (`payment_intent`, `id`, `charge`, `latest_charge`); `paymentId` is
  Shopify's own id of the attempt (e.g. "c148977776.1") and counts only if it is shaped
  like a Stripe id. Only successful SALE / CAPTURE / AUTHORIZATION transactions count: a
  failed attempt names a PaymentIntent that holds no money;
* a note attribute (`customAttributes`) whose key names Stripe (`stripe_payment_intent`,
  `stripe_charge_id`, ...), written by a headless checkout. Note attributes are cart
  attributes the shopper can set, so one counts only when no successful payment on the
  order went through another gateway (an order paid with Shopify Payments is refunded on
  Shopify whatever an attribute claims).

A Stripe-gateway transaction without any recognisable id is kept as a reference with an
empty id: the refund is then refused (payments.matching) instead of being sent through
Shopify, which would only record it against a gateway it cannot move money on.
Metafields are not read: no namespace is common to Stripe checkouts; a merchant's own
would need a setting first.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.integrations.commerce.base import OrderNotFound, PaymentReference
from apps.integrations.commerce.shopify import documents
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.orders.models import Order
from apps.stores.models import Store

# The shape of a Stripe id (PaymentIntent, charge, payment); payments.matching checks again.
_STRIPE_ID = re.compile(r"(pi|ch|py)_[A-Za-z0-9]{8,250}")
_PAYING_KINDS = {"SALE", "CAPTURE", "AUTHORIZATION"}
# Receipt keys, the PaymentIntent first: one payment may name its intent and its charge.
_RECEIPT_KEYS = ("payment_intent", "id", "charge", "latest_charge")
# Gateways that take no money themselves (an order created as paid by an outside checkout).
_NO_MONEY_GATEWAYS = {"", "manual"}


def order_payments(
    client: ShopifyClient, store: Store, order_id: str
) -> tuple[PaymentReference, ...]:
    """The order's payments outside Shopify Payments, from the snapshot when read for the
    version held, else from Shopify (and kept). Raises what the client raises (ShopifyBusy,
    ReauthorizationRequired, ShopifyGraphQLError) and OrderNotFound: the caller must not
    guess the payment when the question could not be asked."""
    row = Order.objects.filter(store=store, platform_order_id=order_id).first()
    if row is not None and _read_for_held_version(row):
        return tuple(_from_json(r) for r in row.payment_references if isinstance(r, dict))
    data = client.execute(documents.ORDER_PAYMENTS, {"id": order_id})
    node = (data or {}).get("order")
    if not isinstance(node, dict):
        raise OrderNotFound(order_id)
    found = references_from_node(node)
    read_for = _when(node.get("updatedAt"))
    if read_for is not None:
        Order.objects.filter(store=store, platform_order_id=order_id).update(
            payment_references=[
                {"gateway": p.gateway, "reference": p.reference, "source": p.source} for p in found
            ],
            payments_read_for=read_for,
        )
    return found


def _read_for_held_version(row: Order) -> bool:
    read_for = row.payments_read_for
    if read_for is None:
        return False
    return row.platform_updated_at is None or read_for >= row.platform_updated_at


def references_from_node(node: dict[str, Any]) -> tuple[PaymentReference, ...]:
    """The Stripe payments an OrderPayments `order` node names (see the module doc)."""
    found: list[PaymentReference] = []
    other_gateway_paid = False
    for txn in node.get("transactions") or []:
        if not isinstance(txn, dict):
            continue
        if str(txn.get("kind") or "") not in _PAYING_KINDS or txn.get("status") != "SUCCESS":
            continue
        gateway = str(txn.get("gateway") or "")
        if "stripe" not in gateway.lower():
            other_gateway_paid |= gateway.strip().lower() not in _NO_MONEY_GATEWAYS
            continue
        found.append(PaymentReference(gateway, _transaction_id(txn), "transaction"))
    if not other_gateway_paid:
        for attribute in node.get("customAttributes") or []:
            if not isinstance(attribute, dict):
                continue
            key, value = str(attribute.get("key") or ""), str(attribute.get("value") or "")
            if "stripe" in key.lower() and _STRIPE_ID.fullmatch(value.strip()):
                found.append(PaymentReference("stripe", value.strip(), f"attribute:{key}"[:64]))
    return tuple(dict.fromkeys(found))  # the same id on authorization and capture: once


def _transaction_id(txn: dict[str, Any]) -> str:
    for value in (txn.get("authorizationCode"), txn.get("paymentId")):
        if isinstance(value, str) and _STRIPE_ID.fullmatch(value.strip()):
            return value.strip()
    return _receipt_id(txn.get("receiptJson"))


def _receipt_id(receipt: object) -> str:
    try:
        data = json.loads(receipt) if isinstance(receipt, str) else None
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    ids = [data.get(key) for key in _RECEIPT_KEYS]
    shaped = [v.strip() for v in ids if isinstance(v, str) and _STRIPE_ID.fullmatch(v.strip())]
    intents = [v for v in shaped if v.startswith("pi_")]
    return (intents or shaped or [""])[0]


def _from_json(row: dict[str, Any]) -> PaymentReference:
    return PaymentReference(
        gateway=str(row.get("gateway") or ""),
        reference=str(row.get("reference") or ""),
        source=str(row.get("source") or ""),
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None
