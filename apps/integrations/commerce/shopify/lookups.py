"""Reading orders: the local snapshot first, the GraphQL Admin API when it is missing or old.

Whatever the API returns is written back into the snapshot (complete versions only), so
the next question about the same order costs nothing. Identity checks happen on our
side for every path: another customer's order, or another store's, is "not found".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from apps.integrations.commerce.base import (
    OrderInfo,
    TransientCommerceError,
    identity_matches,
    normalise_email,
    normalise_phone,
    parse_order_number,
)
from apps.integrations.commerce.shopify import cache, documents, mapping
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.ids import gid, gid_tail
from apps.integrations.commerce.snapshot import order_to_info
from apps.orders import selectors
from apps.orders.models import Order, OrderSync, OrderSyncStatus
from apps.stores.models import Store

logger = logging.getLogger(__name__)

# When Shopify is busy, a snapshot up to this old still answers "where is my order".
STALE_FALLBACK = timedelta(hours=1)
ORDER_GID_PREFIX = "gid://shopify/Order/"


class OrderLookups:
    def __init__(self, store: Store, client: ShopifyClient) -> None:
        self.store = store
        self.client = client

    # ------------------------------------------------------------ one order

    def find(self, number: str, *, email: str, phone: str, customer_id: str) -> OrderInfo | None:
        if not any(value.strip() for value in (email, phone, customer_id)):
            raise ValueError("an email, a phone or a customer id is required")
        wanted = parse_order_number(number)
        if wanted is None:
            return None
        identity = {"email": email, "phone": phone, "customer_id": _customer_gid(customer_id)}
        rows = list(selectors.orders_with_number(store=self.store, number=wanted)[:3])
        if rows and all(cache.is_fresh(row) for row in rows):
            return _first_match((order_to_info(row) for row in rows), identity)
        try:
            found = self.search(f"name:#{wanted}", first=documents.ORDERS_PER_LOOKUP)
        except TransientCommerceError:
            if not _recent_enough(rows):
                raise
            logger.info("shopify busy; answering from snapshot shop=%s", self.store.domain)
            return _first_match((order_to_info(row) for row in rows), identity)
        return _first_match((o for o in found if o.number == wanted), identity)

    def get(self, order_id: str) -> OrderInfo | None:
        if not order_id.startswith(ORDER_GID_PREFIX):
            return None
        row = selectors.order_get(store=self.store, platform_order_id=order_id)
        if row is not None and cache.is_fresh(row):
            return order_to_info(row)
        return self.fetch(order_id)

    def fetch(self, order_id: str) -> OrderInfo | None:
        """The order as Shopify has it now (no snapshot read), written back to the snapshot."""
        if not order_id.startswith(ORDER_GID_PREFIX):
            return None
        data = self.client.execute(
            documents.ORDER_BY_ID, {"id": order_id, **documents.LIVE.variables()}
        )
        node = (data or {}).get("order")
        return self.remember(node) if node else None

    def remember(self, node: object, *, sizes: documents.OrderSizes = documents.LIVE) -> OrderInfo:
        """Map an order node read with `sizes`; keep it in the snapshot when complete."""
        mapped = mapping.order_from_node(node, sizes=sizes)
        if mapped.complete:
            cache.order_snapshot_upsert(
                store=self.store,
                platform_order_id=mapped.info.id,
                platform_updated_at=mapped.info.updated_at or timezone.now(),
                fields=mapped.snapshot_fields(),
            )
        return mapped.info

    def search(
        self, query: str, *, first: int, sizes: documents.OrderSizes = documents.LIVE
    ) -> list[OrderInfo]:
        data = self.client.execute(
            documents.ORDERS_SEARCH, {"query": query, "first": first, **sizes.variables()}
        )
        nodes = ((data or {}).get("orders") or {}).get("nodes") or []
        return [self.remember(node, sizes=sizes) for node in nodes]

    # ------------------------------------------------------------ a customer's orders

    def for_customer(
        self, *, email: str, phone: str, customer_id: str, limit: int
    ) -> list[OrderInfo]:
        limit = max(1, min(limit, documents.LIST_MAX))
        identity = {"email": email, "phone": phone, "customer_id": _customer_gid(customer_id)}
        if not any(identity.values()):
            raise ValueError("an email, a phone or a customer id is required")
        cached = self._cached_for_customer(identity, limit)
        if cached is not None:
            return cached
        query = self._customer_query(identity)
        if not query:
            return []
        found = self.search(query, first=limit, sizes=documents.LISTING)
        return [o for o in found if identity_matches(o, **identity)][:limit]

    def _cached_for_customer(self, identity: dict[str, str], limit: int) -> list[OrderInfo] | None:
        """Served from the snapshot only once the backfill has filled it and rows are fresh."""
        if not OrderSync.objects.filter(store=self.store, status=OrderSyncStatus.DONE).exists():
            return None
        phone = normalise_phone(identity["phone"])
        rows: list[Order] = []
        for row in selectors.order_candidates_for_customer(
            store=self.store,
            email=normalise_email(identity["email"]),
            phone_suffix=phone,
            customer_id=identity["customer_id"],
        ):
            info = order_to_info(row)
            if not identity_matches(info, **identity):
                continue
            if not cache.is_fresh(row):
                return None
            rows.append(row)
            if len(rows) >= limit:
                break
        return [order_to_info(row) for row in rows] if rows else None

    def _customer_query(self, identity: dict[str, str]) -> str:
        customer_number = gid_tail(identity["customer_id"])
        if customer_number:
            return f"customer_id:{customer_number}"
        if identity["email"]:
            return f"email:{_quoted(normalise_email(identity['email']))}"
        ids = self._customers_by_phone(identity["phone"])
        numbers = [n for n in (gid_tail(i) for i in ids) if n]
        return " OR ".join(f"customer_id:{n}" for n in numbers)

    def _customers_by_phone(self, phone: str) -> list[str]:
        digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
        if len(normalise_phone(digits)) < 7:
            return []
        data = self.client.execute(
            documents.CUSTOMERS_BY_PHONE, {"query": f"phone:{_quoted(digits)}"}
        )
        nodes = ((data or {}).get("customers") or {}).get("nodes") or []
        return [str(n["id"]) for n in nodes if isinstance(n, dict) and n.get("id")]


def _first_match(orders: Iterable[OrderInfo], identity: dict[str, str]) -> OrderInfo | None:
    for order in orders:
        if identity_matches(order, **identity):
            return order
    return None


def _recent_enough(rows: list[Order]) -> bool:
    cutoff = timezone.now() - STALE_FALLBACK
    return bool(rows) and all(row.synced_at and row.synced_at >= cutoff for row in rows)


def _customer_gid(customer_id: str) -> str:
    # The App Proxy hands us Shopify's numeric customer id; orders carry the gid.
    return gid("Customer", customer_id)


def _quoted(value: str) -> str:
    """A search-syntax string literal: customer text can never add terms to the query."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
