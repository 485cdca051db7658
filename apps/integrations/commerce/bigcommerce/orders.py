"""Reading orders: the local snapshot first, BigCommerce when it is stale or missing.

A snapshot row younger than BIGCOMMERCE_ORDER_CACHE_SECONDS is served without an API
call (order webhooks rewrite it on every change; the bound limits the damage of a lost
one). An order is read with `include=consignments.line_items&consignment_structure=object`
(Orders V2, GET an order and list orders), so one request brings the order, its products
and its shipping addresses (as shipping consignments). What the include does not carry is
read only when the order row says there is something: shipments once items shipped,
refunds once something was refunded, the products' tags when final-sale rules need them.
A shipped order therefore costs two requests cold, an unshipped one one.

An older snapshot is checked with one request: the order (same include), whose
`date_modified` every change moves; only a changed order costs more. A lookup checks the
identity on that first answer, so a wrong pair costs one request and saves nothing.
Every answer is the snapshot's, so an order reads the same from cache or API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.integrations.commerce.base import (
    OrderInfo,
    identity_matches,
    normalise_email,
    parse_order_number,
)
from apps.integrations.commerce.bigcommerce import mapping
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient, NotFound
from apps.integrations.commerce.snapshot import info_to_order_fields, order_to_info
from apps.orders.models import Order
from apps.stores.models import Store, StoreSettings

_MAX_LIST = 50
# The order with its products and shipping addresses in one answer (see the docstring).
INCLUDES = {"include": "consignments.line_items", "consignment_structure": "object"}


def order_number(order_id: str) -> int | None:
    """A BigCommerce order id ("1001"), or None for anything else."""
    text = (order_id or "").strip()
    return int(text) if text.isdigit() and len(text) <= 12 else None


class OrderReader:
    def __init__(self, store: Store, client: BigCommerceClient) -> None:
        self.store = store
        self.client = client

    def get(
        self, order_id: str, *, accept: Callable[[OrderInfo], bool] | None = None
    ) -> OrderInfo | None:
        """The order, None if unknown. `accept` sees the order before anything beyond its
        first request is read (shipments, refunds): refused, the answer is None."""
        number = order_number(order_id)
        if number is None:
            return None
        cached = self._cached(number)
        if cached is not None:
            return cached if accept is None or accept(cached) else None
        seen = Order.objects.filter(store=self.store, platform_order_id=str(number)).exists()
        try:
            row = self.client.get(f"v2/orders/{number}", INCLUDES)
        except NotFound:
            return None
        if not isinstance(row, dict):
            return None
        # Seen before but not lately: that one request says whether it changed since.
        return self._from_row(row, fresh=not seen, accept=accept)

    def find(
        self, number_text: str, *, email: str, phone: str, customer_id: str
    ) -> OrderInfo | None:
        if not (normalise_email(email) or phone.strip() or customer_id.strip()):
            raise ValueError("an email, phone or customer id is required")
        number = parse_order_number(number_text)
        if number is None:
            return None
        return self.get(
            str(number),
            accept=lambda order: identity_matches(
                order, email=email, phone=phone, customer_id=customer_id
            ),
        )

    def list_for(self, *, email: str, phone: str, customer_id: str, limit: int) -> list[OrderInfo]:
        if not (normalise_email(email) or phone.strip() or customer_id.strip()):
            raise ValueError("an email, phone or customer id is required")
        limit = max(1, min(limit, _MAX_LIST))
        rows: list[dict[str, Any]] = []
        if normalise_email(email):
            rows = self._list({"email": normalise_email(email)}, limit)
        elif customer_id.strip().isdigit():
            rows = self._list({"customer_id": customer_id.strip()}, limit)
        elif phone.strip():
            for found in self._customers_by_phone(phone.strip()):
                rows += self._list({"customer_id": str(found)}, limit)
        orders = [o for o in (self._from_row(row) for row in rows) if o is not None]
        orders.sort(key=lambda o: o.created_at or timezone.now(), reverse=True)
        return orders[:limit]

    def fetch(self, number: int) -> OrderInfo | None:
        """The order as BigCommerce has it now (and the snapshot updated), None if unknown."""
        try:
            row = self.client.get(f"v2/orders/{number}", INCLUDES)
        except NotFound:
            return None
        return self._from_row(row, fresh=True) if isinstance(row, dict) else None

    def _from_row(
        self,
        row: dict[str, Any],
        *,
        fresh: bool = False,
        accept: Callable[[OrderInfo], bool] | None = None,
    ) -> OrderInfo | None:
        number = int(row["id"])
        if not fresh:
            cached = self._cached(number, modified=mapping.v2_date(row.get("date_modified")))
            if cached is not None:
                return cached if accept is None or accept(cached) else None
        products, addresses = self._products_and_addresses(row, number)
        if accept is not None and not accept(mapping.order_info(row, products, addresses, [], [])):
            return None
        info = mapping.order_info(
            row,
            products,
            addresses,
            self._shipments(row, number),
            self._refunds(row, number),
            self._product_tags(products),
        )
        earlier = Order.objects.filter(store=self.store, platform_order_id=info.id).first()
        info = mapping.keep_deliveries(info, order_to_info(earlier) if earlier else None)
        saved, _ = Order.objects.update_or_create(
            store=self.store, platform_order_id=info.id, defaults=info_to_order_fields(info)
        )
        return order_to_info(saved)

    def _products_and_addresses(
        self, row: dict[str, Any], number: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """From the row's consignments when it carries them, else two more requests (a
        row from a path that asked for no include, or an API that ignored it)."""
        found = mapping.consignment_parts(row.get("consignments"))
        if found is not None:
            return found
        return (
            self.client.get(f"v2/orders/{number}/products") or [],
            self.client.get(f"v2/orders/{number}/shipping_addresses") or [],
        )

    def _product_tags(self, products: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
        """The products' tags, read only when the merchant has rules that use them (final
        sale): one more request per order read otherwise spent for nothing."""
        rules = StoreSettings.objects.filter(store=self.store).values_list(
            "final_sale_tags", flat=True
        )
        if not any(rules) or not products:
            return {}
        ids = sorted({str(p.get("product_id")) for p in products if p.get("product_id")})[:50]
        found = (
            self.client.get(
                "v3/catalog/products",
                {"id:in": ",".join(ids), "include": "custom_fields", "limit": len(ids)},
            )
            or {}
        )
        return {
            str(row.get("id")): mapping.product_tags(row)
            for row in found.get("data") or []
            if isinstance(row, dict)
        }

    def _shipments(self, row: dict[str, Any], number: int) -> list[dict[str, Any]]:
        if not int(row.get("items_shipped") or 0):
            return []
        return self.client.get(f"v2/orders/{number}/shipments") or []

    def _refunds(self, row: dict[str, Any], number: int) -> list[dict[str, Any]]:
        if mapping.money(row.get("refunded_amount")) <= 0:
            return []
        found = self.client.get(f"v3/orders/{number}/payment_actions/refunds") or {}
        return list(found.get("data") or [])

    def _cached(self, number: int, *, modified: Any = None) -> OrderInfo | None:
        row = Order.objects.filter(store=self.store, platform_order_id=str(number)).first()
        if row is None:
            return None
        if modified is not None:
            # A list row says when the order last changed: the snapshot is good if as new.
            if row.platform_updated_at is not None and row.platform_updated_at >= modified:
                Order.objects.filter(pk=row.pk).update(synced_at=timezone.now())
                return order_to_info(row)
            return None
        bound = timedelta(seconds=settings.BIGCOMMERCE_ORDER_CACHE_SECONDS)
        if row.synced_at is None or row.synced_at < timezone.now() - bound:
            return None
        return order_to_info(row)

    def _list(self, params: dict[str, str], limit: int) -> list[dict[str, Any]]:
        found = self.client.get(
            "v2/orders",
            {**params, **INCLUDES, "sort": "date_created:desc", "limit": limit, "page": 1},
        )
        return [r for r in found or [] if isinstance(r, dict)]

    def backfill(self, *, since: datetime, limit: int) -> int:
        """Read the orders changed since `since` (newest first, at most `limit`) into the
        snapshot; an order already there and unchanged costs nothing more. Returns how
        many orders were listed."""
        seen, page = 0, 1
        while seen < limit:
            per_page = min(250, limit - seen)
            rows = self.client.get(
                "v2/orders",
                {
                    "min_date_modified": since.isoformat(),
                    "sort": "date_modified:desc",
                    "limit": per_page,
                    "page": page,
                    **INCLUDES,
                },
            )
            batch = [r for r in rows or [] if isinstance(r, dict)]
            for row in batch:
                self._from_row(row)
            seen += len(batch)
            if len(batch) < per_page:
                break
            page += 1
        return seen

    def _customers_by_phone(self, phone: str) -> list[int]:
        found = self.client.get("v3/customers", {"phone:in": phone[:40]}) or {}
        return [int(c["id"]) for c in found.get("data") or [] if str(c.get("id", "")).isdigit()]
