"""Reading orders from WooCommerce, with the identity check on our side for every path.

WooCommerce has no email or order-number filter. An order number is the post id in
core, so `GET /orders/{number}` answers most lookups in one call; a store running a
sequential-number plugin numbers orders apart from their ids, so when the id does not
carry that number we fall back to `search=<number>` and keep only an exact `number`.
A customer's orders come from `customer=<id>` for a registered customer, else from
`search=` (which also finds guest orders, whose `customer_id` is 0), every result then
checked against the identity the customer proved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.core.redis import get_redis
from apps.integrations.commerce.base import (
    LineItem,
    OrderInfo,
    TransientCommerceError,
    identity_matches,
    normalise_email,
    normalise_phone,
    parse_order_number,
)
from apps.integrations.commerce.snapshot import order_to_info
from apps.integrations.commerce.woocommerce import cache
from apps.integrations.commerce.woocommerce.client import WooClient, WooNotFound
from apps.integrations.commerce.woocommerce.mapping import order_from_json, text
from apps.orders import selectors
from apps.orders.models import Order
from apps.stores.models import Store

logger = logging.getLogger(__name__)
# When the store is busy or down, a snapshot up to this old still answers.
STALE_FALLBACK = timedelta(hours=1)

LIST_MAX = 50
_SEARCH_PAGE = 100  # one call; the number must match exactly, so take all we may
_TAGS_SECONDS = 6 * 3600


class OrderReads:
    def __init__(self, store: Store, client: WooClient) -> None:
        self.store = store
        self.client = client

    # ------------------------------------------------------------ one order

    def get(self, order_id: str) -> OrderInfo | None:
        if not order_id.isdigit() or len(order_id) > 20:
            return None
        row = selectors.order_get(store=self.store, platform_order_id=order_id)
        if row is not None and cache.is_fresh(row):
            return self._tagged([order_to_info(row)])[0]
        try:
            return self.refresh(order_id)
        except TransientCommerceError:
            if row is None or not _recent_enough([row]):
                raise
            logger.info("woocommerce busy; answering from snapshot store_id=%s", self.store.pk)
            return self._tagged([order_to_info(row)])[0]

    def refresh(self, order_id: str) -> OrderInfo | None:
        """The order as the store has it now (no snapshot read), written to the snapshot."""
        raw = self.raw(order_id)
        return self.info(raw) if raw is not None else None

    def raw(self, order_id: str) -> dict[str, Any] | None:
        """The order's JSON as WooCommerce has it now, None when it is not this store's."""
        if not order_id.isdigit() or len(order_id) > 20:
            return None
        try:
            data = self.client.get(f"orders/{order_id}").data
        except WooNotFound:
            return None
        return data if isinstance(data, dict) and text(data.get("id")) == order_id else None

    def refunds(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        if not order.get("refunds"):
            return []
        found = self.client.paginate(f"orders/{order['id']}/refunds", {}, limit=100)
        return [r for r in found if isinstance(r, dict)]

    def info(self, order: Mapping[str, Any]) -> OrderInfo:
        """Typed and complete (complete()), and kept in the snapshot."""
        mapped = self.complete(order)
        cache.remember(self.store, mapped)
        return mapped

    def complete(self, order: Mapping[str, Any]) -> OrderInfo:
        """Typed, with refunded quantities and the products' tags (final-sale rules)."""
        return self._tagged([order_from_json(order, self.refunds(order))])[0]

    def find(self, number: str, *, email: str, phone: str, customer_id: str) -> OrderInfo | None:
        if not any(value.strip() for value in (email, phone, customer_id)):
            raise ValueError("an email, a phone or a customer id is required")
        wanted = parse_order_number(number)
        if wanted is None:
            return None
        identity = {"email": email, "phone": phone, "customer_id": customer_id.strip()}
        rows = list(selectors.orders_with_number(store=self.store, number=wanted)[:3])
        if rows and all(cache.is_fresh(row) for row in rows):
            return self._matching_row(rows, identity)
        try:
            return self._find_live(wanted, identity)
        except TransientCommerceError:
            if not _recent_enough(rows):
                raise
            logger.info("woocommerce busy; answering from snapshot store_id=%s", self.store.pk)
            return self._matching_row(rows, identity)

    def _matching_row(self, rows: list[Order], identity: Mapping[str, str]) -> OrderInfo | None:
        found = first_match((order_to_info(row) for row in rows), identity)
        return self._tagged([found])[0] if found is not None else None

    def _find_live(self, wanted: int, identity: Mapping[str, str]) -> OrderInfo | None:
        raw = self.raw(str(wanted))
        if raw is None or parse_order_number(text(raw.get("number"))) != wanted:
            raw = self._search_number(wanted)
        if raw is None:
            return None
        # Checked before the refunds and tags are read: a stranger's guess costs one call.
        if not identity_matches(order_from_json(raw), **identity):
            return None
        return self.info(raw)

    def _search_number(self, wanted: int) -> dict[str, Any] | None:
        found = self.client.get("orders", {"search": str(wanted), "per_page": _SEARCH_PAGE}).data
        for row in found if isinstance(found, list) else []:
            if isinstance(row, dict) and parse_order_number(text(row.get("number"))) == wanted:
                return row
        return None

    # ------------------------------------------------------------ a customer's orders

    def for_customer(
        self, *, email: str, phone: str, customer_id: str, limit: int
    ) -> list[OrderInfo]:
        identity = {"email": email, "phone": phone, "customer_id": customer_id.strip()}
        if not any(v.strip() for v in identity.values()):
            raise ValueError("an email, a phone or a customer id is required")
        limit = max(1, min(limit, LIST_MAX))
        params = self._customer_params(identity)
        if params is None:
            return []
        rows = self.client.paginate(
            "orders", {**params, "orderby": "date", "order": "desc"}, limit=100, max_pages=3
        )
        matching = [
            info
            for info in (order_from_json(r) for r in rows if isinstance(r, dict))
            if identity_matches(info, **identity)
        ]
        matching.sort(key=lambda o: (o.created_at is not None, o.created_at), reverse=True)
        return self._tagged(matching[:limit])

    def _customer_params(self, identity: Mapping[str, str]) -> dict[str, str] | None:
        if identity["customer_id"]:
            if not identity["customer_id"].isdigit():
                return None
            return {"customer": identity["customer_id"]}
        if identity["email"].strip():
            return {"search": normalise_email(identity["email"])[:100]}
        digits = normalise_phone(identity["phone"])
        # Phones are stored as typed ("+1 555-010-1001"): the last four digits appear in
        # every spelling, and the identity check below drops what else they match.
        return {"search": digits[-4:]} if digits else None

    # ------------------------------------------------------------ product tags

    def _tagged(self, orders: list[OrderInfo]) -> list[OrderInfo]:
        """Line items carry their product's tags, as the policy engine's final-sale rule
        expects; WooCommerce's line items don't, so they are read (and kept an hour)."""
        ids = {i.product_id for o in orders for i in o.line_items if i.product_id.isdigit()}
        if not ids:
            return orders
        tags = self._product_tags(sorted(ids))
        return [
            replace(o, line_items=tuple(_with_tags(i, tags) for i in o.line_items)) for o in orders
        ]

    def product_tags_warm(self, *, max_products: int = 1000) -> int:
        """Read the catalogue's tags into the cache (after connecting, then hourly), so a
        customer's first question about an order costs one call, not two."""
        rows = self.client.paginate(
            "products", {"_fields": "id,tags", "status": "publish"}, limit=max_products
        )
        tags = {
            text(row.get("id")): _row_tags(row)
            for row in rows
            if isinstance(row, dict) and text(row.get("id"))
        }
        self._cache_tags(tags)
        return len(tags)

    def _product_tags(self, ids: list[str]) -> dict[str, tuple[str, ...]]:
        client = get_redis()
        keys = [f"woo:ptags:{self.store.pk}:{pid}" for pid in ids]
        cached = client.mget(keys) if client is not None else [None] * len(ids)
        tags = {pid: tuple(json.loads(v)) for pid, v in zip(ids, cached, strict=True) if v}
        missing = [pid for pid in ids if pid not in tags]
        if missing:
            rows = self.client.paginate(
                "products", {"include": ",".join(missing), "_fields": "id,tags"}, limit=100
            )
            for row in rows if isinstance(rows, list) else []:
                pid = text(row.get("id")) if isinstance(row, dict) else ""
                if pid in missing:
                    tags[pid] = _row_tags(row)
            self._cache_tags({pid: tags.get(pid, ()) for pid in missing})
        return tags

    def _cache_tags(self, tags: Mapping[str, tuple[str, ...]]) -> None:
        client = get_redis()
        if client is None or not tags:
            return
        pipe = client.pipeline()
        for pid, names in tags.items():
            pipe.set(f"woo:ptags:{self.store.pk}:{pid}", json.dumps(list(names)), ex=_TAGS_SECONDS)
        pipe.execute()


def _row_tags(row: Mapping[str, Any]) -> tuple[str, ...]:
    found = row.get("tags")
    if not isinstance(found, list):
        return ()
    return tuple(text(t.get("name")) for t in found if isinstance(t, dict) and text(t.get("name")))


def _with_tags(item: LineItem, tags: Mapping[str, tuple[str, ...]]) -> LineItem:
    return replace(item, tags=tags.get(item.product_id, item.tags))


def first_match(orders: Iterable[OrderInfo], identity: Mapping[str, str]) -> OrderInfo | None:
    for order in orders:
        if identity_matches(order, **identity):
            return order
    return None


def _recent_enough(rows: list[Order]) -> bool:
    cutoff = timezone.now() - STALE_FALLBACK
    return bool(rows) and all(row.synced_at and row.synced_at >= cutoff for row in rows)
