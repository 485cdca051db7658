"""What one BigCommerce store holds, as plain records the stand-in reads and writes.

Shapes follow BigCommerce's Orders V2 (orders, order products, shipping addresses,
shipments), Orders V3 payment actions (refund quotes, refunds), Customers V3, Catalog V3
products with variants, Content V3 pages and Scripts V3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

# Orders V2 status ids (GET /v2/order_statuses).
STATUSES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    7: "Awaiting Payment",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    14: "Partially Refunded",
}


def rfc2822(moment: datetime) -> str:
    """Orders V2 dates: "Tue, 20 Nov 2012 00:00:00 +0000"."""
    return format_datetime(moment)


_BASE = "https://api.bigcommerce.com/stores/x/v2/orders"


def money(value: Decimal) -> str:
    return f"{value:.4f}"


@dataclass
class AddressRec:
    id: int
    first_name: str
    last_name: str
    street_1: str
    street_2: str
    city: str
    state: str
    zip: str
    country: str
    country_iso2: str
    phone: str
    email: str

    def as_json(self, order_id: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": order_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": "",
            "street_1": self.street_1,
            "street_2": self.street_2,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "country": self.country,
            "country_iso2": self.country_iso2,
            "phone": self.phone,
            "email": self.email,
        }


@dataclass
class OrderProductRec:
    id: int
    product_id: int
    variant_id: int
    name: str
    sku: str
    option: str  # the variant's option value ("M"), "" when none
    price: Decimal
    quantity: int
    quantity_shipped: int = 0
    quantity_refunded: int = 0

    def as_json(self, order_id: int, address_id: int = 0) -> dict[str, Any]:
        options = [{"display_name": "Option", "display_value": self.option}] if self.option else []
        return {
            "id": self.id,
            "order_id": order_id,
            "order_address_id": address_id,
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "name": self.name,
            "sku": self.sku,
            "type": "physical",
            "base_price": money(self.price),
            "price_ex_tax": money(self.price),
            "price_inc_tax": money(self.price),
            "quantity": self.quantity,
            "quantity_shipped": self.quantity_shipped,
            "quantity_refunded": self.quantity_refunded,
            "product_options": options,
        }


@dataclass
class ShipmentRec:
    id: int
    date_created: datetime
    tracking_number: str
    shipping_provider: str
    tracking_link: str
    order_address_id: int
    items: list[tuple[int, int]]  # (order product id, quantity)
    comments: str = ""

    def as_json(self, order: OrderRec) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": order.id,
            "customer_id": order.customer_id,
            "order_address_id": self.order_address_id,
            "date_created": rfc2822(self.date_created),
            "tracking_number": self.tracking_number,
            "shipping_method": "Standard",
            "shipping_provider": self.shipping_provider,
            "tracking_carrier": "",
            "tracking_link": self.tracking_link,
            "generated_tracking_link": "",
            "comments": self.comments,
            "items": [
                {"order_product_id": pid, "quantity": qty, "product_id": 0}
                for pid, qty in self.items
            ],
        }


@dataclass
class RefundRec:
    id: int
    created: datetime
    reason: str
    total: Decimal
    items: list[dict[str, Any]]
    payments: list[dict[str, Any]]

    def as_json(self, order_id: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": order_id,
            "user_id": 0,
            "created": self.created.isoformat().replace("+00:00", "Z"),
            "reason": self.reason,
            "total_amount": float(self.total),
            "total_tax": 0,
            "uses_merchant_override_values": False,
            "items": self.items,
            "payments": self.payments,
        }


@dataclass
class OrderRec:
    id: int
    customer_id: int  # 0 = a guest order
    billing: AddressRec
    date_created: datetime
    date_modified: datetime
    status_id: int
    currency: str
    shipping_cost: Decimal
    products: list[OrderProductRec]
    shipping_addresses: list[AddressRec]
    shipments: list[ShipmentRec] = field(default_factory=list)
    refunds: list[RefundRec] = field(default_factory=list)
    staff_notes: str = ""
    # Whether the gateway that took the payment can refund online (Stripe: yes; cash on
    # delivery, bank transfer: no, only an offline refund could be recorded).
    gateway: str = "stripe"
    gateway_refunds_online: bool = True

    @property
    def subtotal(self) -> Decimal:
        return sum((p.price * p.quantity for p in self.products), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_cost

    @property
    def refunded_amount(self) -> Decimal:
        return sum((r.total for r in self.refunds), Decimal("0"))

    def products_json(self) -> list[dict[str, Any]]:
        # Every product ships to the first address: the stand-in has no split shipping.
        address_id = self.shipping_addresses[0].id if self.shipping_addresses else 0
        return [p.as_json(self.id, address_id) for p in self.products]

    def consignments_json(self, *, with_line_items: bool) -> dict[str, Any]:
        """`include=consignments[.line_items]&consignment_structure=object` (GET an order,
        list orders): one shipping consignment per address, holding the address's fields
        and, with `.line_items`, the order products that ship there."""
        shipping = []
        products = self.products_json()
        for address in self.shipping_addresses:
            mine = [p for p in products if p["order_address_id"] == address.id]
            fields = address.as_json(self.id)
            del fields["order_id"]
            shipping.append(
                fields
                | {
                    "shipping_method": "Standard",
                    "items_total": sum(p["quantity"] for p in mine),
                    "items_shipped": sum(p["quantity_shipped"] for p in mine),
                    "line_items": mine
                    if with_line_items
                    else [
                        {"url": f"{_BASE}/{self.id}/products/{p['id']}", "resource": ""}
                        for p in mine
                    ],
                }
            )
        return {
            "pickups": [],
            "shipping": shipping,
            "downloads": [],
            "email": {"gift_certificates": []},
        }

    def as_json(self, include: str = "") -> dict[str, Any]:
        base = f"{_BASE}/{self.id}"
        wanted = {part.strip() for part in include.split(",") if part.strip()}
        if "consignments.line_items" in wanted or "consignments" in wanted:
            consignments: dict[str, Any] = self.consignments_json(
                with_line_items="consignments.line_items" in wanted
            )
        else:
            consignments = {
                "url": f"{base}/consignments",
                "resource": f"/orders/{self.id}/consignments",
            }
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "date_created": rfc2822(self.date_created),
            "date_modified": rfc2822(self.date_modified),
            "date_shipped": "",
            "status_id": self.status_id,
            "status": STATUSES.get(self.status_id, ""),
            "subtotal_ex_tax": money(self.subtotal),
            "subtotal_inc_tax": money(self.subtotal),
            "shipping_cost_inc_tax": money(self.shipping_cost),
            "total_ex_tax": money(self.total),
            "total_inc_tax": money(self.total),
            "refunded_amount": money(self.refunded_amount),
            "currency_code": self.currency,
            "items_total": sum(p.quantity for p in self.products),
            "items_shipped": sum(p.quantity_shipped for p in self.products),
            "payment_method": self.gateway,
            "staff_notes": self.staff_notes,
            "customer_message": "",
            "is_deleted": False,
            "billing_address": self.billing.as_json(self.id),
            "products": {"url": f"{base}/products", "resource": f"/orders/{self.id}/products"},
            "shipping_addresses": {
                "url": f"{base}/shipping_addresses",
                "resource": f"/orders/{self.id}/shipping_addresses",
            },
            "consignments": consignments,
        }


@dataclass
class CustomerRec:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
        }


@dataclass
class VariantRec:
    id: int
    sku: str
    price: Decimal
    option: str
    inventory_level: int
    purchasing_disabled: bool = False


@dataclass
class ProductRec:
    id: int
    name: str
    sku: str
    description: str
    price: Decimal
    url: str
    inventory_tracking: str  # none, product, variant
    variants: list[VariantRec]
    custom_fields: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self, *, with_variants: bool, with_custom_fields: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": "physical",
            "sku": self.sku,
            "description": self.description,
            "price": float(self.price),
            "is_visible": True,
            "inventory_tracking": self.inventory_tracking,
            "inventory_level": sum(v.inventory_level for v in self.variants),
            "custom_url": {"url": self.url, "is_customized": False},
        }
        if with_custom_fields:
            found["custom_fields"] = [
                {"id": n, "name": name, "value": value}
                for n, (name, value) in enumerate(self.custom_fields, start=1)
            ]
        if with_variants:
            found["variants"] = [
                {
                    "id": v.id,
                    "product_id": self.id,
                    "sku": v.sku,
                    "price": float(v.price),
                    "calculated_price": float(v.price),
                    "inventory_level": v.inventory_level,
                    "purchasing_disabled": v.purchasing_disabled,
                    "option_values": [
                        {"id": v.id, "label": v.option, "option_display_name": "Option"}
                    ],
                }
                for v in self.variants
            ]
        return found


@dataclass
class PageRec:
    id: int
    name: str
    body: str
    url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": "page",
            "body": self.body,
            "url": self.url,
            "is_visible": True,
            "channel_id": 1,
        }


@dataclass
class StoreState:
    store_hash: str
    orders: dict[int, OrderRec] = field(default_factory=dict)
    customers: dict[int, CustomerRec] = field(default_factory=dict)
    products: list[ProductRec] = field(default_factory=list)
    pages: list[PageRec] = field(default_factory=list)
    scripts: dict[str, dict[str, Any]] = field(default_factory=dict)
    hooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The default storefront's primary domain (GET /v2/store `domain`); None = the
    # store-{hash}.mybigcommerce.com one. Sites V3 rows: {id, url, channel_id, urls[]}.
    custom_domain: str | None = None
    sites: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 90_000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id
