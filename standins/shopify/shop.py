"""One shop behind the stand-in: its records, and the read side of the Admin API.

Each root field (`orders`, `order`, `customers`, `products`, ...) is a resolver taking
the field's arguments and returning stored objects; graph.py shapes them per query.
Writes live in writes.py, bulk operations in bulk.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from standins.shopify import search
from standins.shopify.graph import Resolver, connection
from standins.shopify.state import (
    CustomerRec,
    OrderRec,
    PolicyRec,
    ProductRec,
    iso,
    order_node,
    product_node,
)

RETURN_REASONS = (
    ("damaged-or-defective", "Damaged or defective"),
    ("too-small", "Too small"),
    ("too-large", "Too large"),
    ("wrong-item", "Received the wrong item"),
    ("not-as-described", "Not as described"),
    ("changed-mind", "Changed my mind"),
    ("other", "Other"),
)
ORDERS_COUNT_LIMIT = 10_000
_ORDER_SORTS: dict[str, Callable[[OrderRec], Any]] = {
    "ID": lambda o: o.number,
    "CREATED_AT": lambda o: (o.created_at, o.number),
    "UPDATED_AT": lambda o: (o.updated_at, o.number),
}


class Shop:
    """The records of one shop, with the resolvers of its read API."""

    def __init__(self, domain: str, *, clock: Callable[[], float] = time.time) -> None:
        self.domain = domain
        self.clock = clock
        self.currency = "USD"
        self.iana_timezone = "America/New_York"
        self.orders: dict[str, OrderRec] = {}
        self.customers: dict[str, CustomerRec] = {}
        self.products: list[ProductRec] = []
        self.policies: list[PolicyRec] = []
        self.jobs: dict[str, bool] = {}
        self._sequence = 900_000
        # Bumped by every write, so remembered searches are never stale.
        self.version = 0
        self._found: tuple[Any, list[OrderRec]] = (None, [])

    def next_id(self, kind: str) -> str:
        self._sequence += 1
        return f"gid://shopify/{kind}/{self._sequence}"

    def now(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock()), tz=UTC)

    def add_order(self, order: OrderRec) -> None:
        self.orders[order.id] = order
        self.version += 1

    def touch(self, order: OrderRec) -> None:
        """An order changed: Shopify moves its updatedAt on."""
        order.updated_at = max(self.now(), order.updated_at)
        self.version += 1

    # ------------------------------------------------------------ reads

    def resolvers(self) -> dict[str, Resolver]:
        return {
            "orders": self._orders,
            "order": self._order,
            "ordersCount": self._orders_count,
            "customers": self._customers,
            "job": self._job,
            "returnableFulfillments": self._returnable_fulfillments,
            "returnReasonDefinitions": self._return_reasons,
            "products": self._products,
            "shop": self._shop,
        }

    def order_node(self, order: OrderRec) -> dict[str, Any]:
        extra = {"suggestedRefund": lambda args: self.suggested_refund(order, args)}
        return order_node(order, extra=extra)

    def find_orders(self, query: str, sort_key: str = "ID") -> list[OrderRec]:
        """Orders matching `query` in `sort_key` order (remembered until the next write:
        a backfill pages through the same search thousands of times)."""
        memo = (query, sort_key, self.version)
        if self._found[0] != memo:
            test = search.compiled(query)
            found = [o for o in self.orders.values() if test(lambda *t, o=o: _order_field(o, *t))]
            found.sort(key=_ORDER_SORTS.get(sort_key, _ORDER_SORTS["ID"]))
            self._found = (memo, found)
        return self._found[1]

    def _orders(self, args: dict[str, Any]) -> dict[str, Any]:
        key = str(args.get("sortKey") or "ID")
        found = self.find_orders(str(args.get("query") or ""), key)
        # Already in sortKey order: connection() only reverses and pages.
        return connection(found, {**args, "sortKey": None}, build=self.order_node, sort=lambda o: 0)

    def _order(self, args: dict[str, Any]) -> dict[str, Any] | None:
        order = self.orders.get(str(args.get("id")))
        return self.order_node(order) if order else None

    def _orders_count(self, args: dict[str, Any]) -> dict[str, Any]:
        count = len(self.find_orders(str(args.get("query") or "")))
        limit = int(args.get("limit") or ORDERS_COUNT_LIMIT)
        return {
            "count": min(count, limit),
            "precision": "AT_LEAST" if count > limit else "EXACT",
        }

    def _customers(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        query = str(args.get("query") or "")
        return [
            {"__typename": "Customer", "id": c.id, "displayName": c.name}
            for c in self.customers.values()
            if search.matches(query, lambda f, cmp, v, p, c=c: _customer_field(c, f, v, p))
        ]

    def _job(self, args: dict[str, Any]) -> dict[str, Any] | None:
        job_id = str(args.get("id"))
        if job_id not in self.jobs:
            return None
        self.jobs[job_id] = True  # an order cancellation job finishes by the first look
        return {"id": job_id, "done": True}

    def _returnable_fulfillments(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        order = self.orders.get(str(args.get("orderId")))
        if order is None:
            return []
        found = []
        for fulfillment in order.fulfillments:
            if fulfillment.status != "SUCCESS":
                continue
            rows = []
            for fli_id, line_id, quantity in fulfillment.lines:
                left = quantity - order.returned_quantity(fli_id)
                if left > 0:
                    rows.append(
                        {
                            "quantity": left,
                            "fulfillmentLineItem": {"id": fli_id, "lineItem": {"id": line_id}},
                        }
                    )
            if rows:
                found.append(
                    {
                        "id": fulfillment.id.replace("Fulfillment", "ReturnableFulfillment"),
                        "fulfillment": {"id": fulfillment.id},
                        "returnableFulfillmentLineItems": rows,
                    }
                )
        return found

    def _return_reasons(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": f"gid://shopify/ReturnReasonDefinition/{n}", "handle": h, "name": name}
            | {"deleted": False}
            for n, (h, name) in enumerate(RETURN_REASONS, start=1)
        ]

    def _products(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        query = str(args.get("query") or "")
        return [
            product_node(p, self.currency, self.domain)
            for p in self.products
            if search.matches(query, lambda f, c, v, pre, p=p: _product_field(p, f, v, pre))
        ]

    def _shop(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "__typename": "Shop",
            "myshopifyDomain": self.domain,
            "ianaTimezone": self.iana_timezone,
            "shopPolicies": [
                {
                    "id": f"gid://shopify/ShopPolicy/{n}",
                    "type": p.type,
                    "title": p.title,
                    "body": p.body,
                    "url": p.url,
                }
                for n, p in enumerate(self.policies, start=1)
            ],
        }

    # ------------------------------------------------------------ suggested refunds

    def suggested_refund(self, order: OrderRec, args: dict[str, Any]) -> dict[str, Any]:
        """Shopify's suggestion: what the items are worth (capped at what is left of each,
        unknown items ignored), or everything still refundable."""
        maximum = order.refundable
        lines = []
        amount = Decimal("0.00")
        if args.get("suggestFullRefund"):
            amount = maximum
        for wanted in args.get("refundLineItems") or []:
            item = order.line(str(wanted.get("lineItemId")))
            if item is None:
                continue
            quantity = min(
                int(wanted.get("quantity") or 0), item.quantity - order.refunded_quantity(item.id)
            )
            if quantity <= 0:
                continue
            lines.append(
                {
                    "quantity": quantity,
                    "restockType": wanted.get("restockType") or "NO_RESTOCK",
                    "lineItem": {"id": item.id},
                }
            )
            if not args.get("suggestFullRefund"):
                amount += item.price * quantity
        amount = min(amount, maximum)
        transactions = []
        if amount > 0:
            transactions.append(
                {
                    "gateway": "shopify_payments",
                    "kind": "SUGGESTED_REFUND",
                    "amountSet": _money(amount, order.currency),
                    "parentTransaction": {"id": order.sale_transaction_id},
                }
            )
        return {
            "amountSet": _money(amount, order.currency),
            "maximumRefundableSet": _money(maximum, order.currency),
            "refundLineItems": lines,
            "suggestedTransactions": transactions,
        }


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": currency}}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _order_field(order: OrderRec, name: str | None, cmp: str, value: str, prefix: bool) -> bool:
    if name == "name":
        return order.name.lstrip("#") == value.lstrip("#")
    if name == "email":
        return order.email.lower() == value.lower()
    if name == "customer_id":
        return bool(order.customer_id) and order.customer_id.rsplit("/", 1)[-1] == value
    if name in ("created_at", "updated_at"):
        held = iso(order.created_at if name == "created_at" else order.updated_at) or ""
        return search.compare(held, cmp, value.replace(" ", "T"))
    if name is None:
        return search.text_matches(f"{order.name} {order.email}", value, prefix)
    return False


def _customer_field(customer: CustomerRec, name: str | None, value: str, prefix: bool) -> bool:
    if name == "email":
        return customer.email.lower() == value.lower()
    if name == "phone":
        held, wanted = _digits(customer.phone), _digits(value)
        return len(wanted) >= 7 and (held.endswith(wanted) or wanted.endswith(held))
    if name is None:
        return search.text_matches(f"{customer.name} {customer.email}", value, prefix)
    return False


def _product_field(product: ProductRec, name: str | None, value: str, prefix: bool) -> bool:
    if name == "status":
        return product.status.lower() == value.lower()
    if name == "title":
        return search.text_matches(product.title, value, prefix)
    if name in ("tag", "tags"):
        return any(t.lower() == value.lower() for t in product.tags)
    if name == "product_type":
        return product.product_type.lower() == value.lower()
    if name is None:
        words = [product.title, product.product_type, *product.tags, product.vendor]
        words += [v.sku for v in product.variants]
        return search.text_matches(" ".join(words), value, prefix)
    return False
