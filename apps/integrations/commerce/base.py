"""The commerce protocol: what the agent needs from a store's platform.

Provider-neutral and typed. Shopify, WooCommerce, BigCommerce and the demo store each
implement `CommerceProvider` in their own module; the agent sees only this file.
Money is `Decimal` in the order's currency. Platform ids are strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Address:
    name: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    province: str = ""
    zip: str = ""
    country: str = ""
    country_code: str = ""
    phone: str = ""

    def one_line(self) -> str:
        parts = [self.address1, self.address2, self.city, self.province, self.zip, self.country]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class LineItem:
    id: str
    title: str
    quantity: int
    price: Decimal
    variant_title: str = ""
    sku: str = ""
    product_id: str = ""
    variant_id: str = ""
    fulfilled_quantity: int = 0
    refunded_quantity: int = 0
    tags: tuple[str, ...] = ()

    @property
    def refundable_quantity(self) -> int:
        return max(0, self.quantity - self.refunded_quantity)


@dataclass(frozen=True)
class LineItemQuantity:
    line_item_id: str
    quantity: int


@dataclass(frozen=True)
class Tracking:
    number: str = ""
    company: str = ""
    url: str = ""


@dataclass(frozen=True)
class Fulfillment:
    id: str
    status: str  # success, pending, open, cancelled, failure
    # Carrier state: label_printed, in_transit, out_for_delivery, delivered, failure, ...
    shipment_status: str = ""
    tracking: tuple[Tracking, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    delivered_at: datetime | None = None
    latest_event: str = ""
    latest_event_at: datetime | None = None
    line_items: tuple[LineItemQuantity, ...] = ()
    # Where the latest scan happened ("Springfield, IL, US"), when a tracker says so.
    latest_event_location: str = ""


@dataclass(frozen=True)
class PaymentReference:
    """A payment taken outside the platform's own payments, as the order names it: the
    gateway ("stripe") and the gateway's id for it (a PaymentIntent pi_…, a charge ch_…).
    `source` says where the order carried it: a transaction, an attribute, metadata."""

    gateway: str
    reference: str
    source: str = ""


@dataclass(frozen=True)
class RefundRecord:
    id: str
    amount: Decimal
    created_at: datetime | None = None
    note: str = ""
    line_items: tuple[LineItemQuantity, ...] = ()


@dataclass(frozen=True)
class OrderInfo:
    id: str
    name: str
    number: int | None
    currency: str
    financial_status: str  # values of apps.orders.models.FinancialStatus
    fulfillment_status: str  # values of apps.orders.models.FulfillmentStatus
    total_price: Decimal
    email: str = ""
    phone: str = ""
    customer_id: str = ""
    customer_name: str = ""
    subtotal_price: Decimal = Decimal("0")
    total_shipping: Decimal = Decimal("0")
    total_refunded: Decimal = Decimal("0")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    line_items: tuple[LineItem, ...] = ()
    fulfillments: tuple[Fulfillment, ...] = ()
    refunds: tuple[RefundRecord, ...] = ()
    shipping_address: Address | None = None
    tags: tuple[str, ...] = ()
    note: str = ""
    status_url: str = ""
    payments: tuple[PaymentReference, ...] = ()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def refundable_amount(self) -> Decimal:
        return max(Decimal("0"), self.total_price - self.total_refunded)

    @property
    def delivered_at(self) -> datetime | None:
        """When the whole order was delivered (the latest delivery), if it was."""
        shipped = [f for f in self.fulfillments if f.status != "cancelled"]
        if not shipped or self.fulfillment_status != "fulfilled":
            return None
        dates = [f.delivered_at for f in shipped]
        if any(d is None for d in dates):
            return None
        return max(d for d in dates if d is not None)


@dataclass(frozen=True)
class ProductVariant:
    id: str
    title: str
    price: Decimal
    available: bool
    inventory_quantity: int | None = None
    sku: str = ""


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    currency: str
    variants: tuple[ProductVariant, ...] = ()
    handle: str = ""
    url: str = ""
    description: str = ""
    product_type: str = ""
    tags: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return any(v.available for v in self.variants)

    @property
    def min_price(self) -> Decimal | None:
        return min((v.price for v in self.variants), default=None)


@dataclass(frozen=True)
class Policy:
    type: str  # refund, shipping, privacy, terms, contact, subscription, legal
    title: str
    body: str
    url: str = ""


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount: Decimal
    currency: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelResult:
    order_id: str
    refunded: bool
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReturnResult:
    return_id: str
    status: str  # requested, open
    evidence: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- errors


class CommerceError(Exception):
    """Base of every provider error. Messages are safe to log (no credentials)."""


class OrderNotFound(CommerceError):
    pass


class PlatformRejected(CommerceError):
    """The platform refused the operation (e.g. Shopify userErrors); permanent."""

    def __init__(self, message: str, *, code: str = "", field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class TransientCommerceError(CommerceError):
    """Network trouble, 5xx, throttling that outlasted our patience: try again later."""


class ReauthorizationRequired(CommerceError):
    """The platform refused our credentials (401/403): the merchant must re-open the app."""


# ---------------------------------------------------------------- protocol


@runtime_checkable
class CommerceProvider(Protocol):
    """One store's platform. Instances are per store and per call site; never shared."""

    def find_order(
        self,
        number: str,
        *,
        email: str = "",
        phone: str = "",
        customer_id: str = "",
    ) -> OrderInfo | None:
        """The order with this number, only if one given identity matches it.

        Returns None both when the order does not exist and when nothing matches,
        so callers cannot tell the two apart (no enumeration). Raises ValueError
        when no identity at all is given.
        """
        ...

    def get_order(self, order_id: str) -> OrderInfo | None:
        """An order by platform id (already verified by the caller)."""
        ...

    def list_customer_orders(
        self, *, email: str = "", phone: str = "", customer_id: str = "", limit: int = 10
    ) -> list[OrderInfo]:
        """The customer's most recent orders, newest first."""
        ...

    def get_tracking(self, order_id: str) -> list[Fulfillment]: ...

    def refund(
        self,
        *,
        order_id: str,
        amount: Decimal | None,
        line_items: list[LineItemQuantity] | None,
        reason: str,
        idempotency_key: str,
        notify_customer: bool = True,
    ) -> RefundResult:
        """Refund an amount, or the given items (amount None = what the items are worth).

        Never refunds more than is refundable; the same idempotency key never refunds twice.
        """
        ...

    def cancel_order(
        self,
        *,
        order_id: str,
        reason: str,
        refund: bool,
        restock: bool,
        idempotency_key: str,
        notify_customer: bool = True,
    ) -> CancelResult: ...

    def update_shipping_address(
        self, *, order_id: str, address: Address, idempotency_key: str
    ) -> OrderInfo: ...

    def add_note(self, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
        """Append a note and/or tags (never overwrites what the merchant wrote)."""
        ...

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult: ...

    def search_products(self, query: str, *, limit: int = 5) -> list[Product]: ...

    def get_policies(self) -> list[Policy]: ...


@runtime_checkable
class OrderPaymentsLookup(Protocol):
    """A platform whose order reads leave out how the order was paid (Shopify: the
    transactions cost too much in every order query). The refund path asks it separately,
    and only when a payments provider is connected; other providers fill
    `OrderInfo.payments` as they read the order."""

    def order_payments(self, order_id: str) -> tuple[PaymentReference, ...]:
        """The payments the order names outside the platform's own. Raises a CommerceError
        when it cannot tell (never an empty answer in place of an unknown one)."""
        ...


# ---------------------------------------------------------------- helpers for providers

_ORDER_NUMBER = re.compile(r"\d{1,12}")


def parse_order_number(text: str) -> int | None:
    """`#1001`, `1001`, `no. 1001` -> 1001; None when there is no number."""
    match = _ORDER_NUMBER.search(text or "")
    return int(match.group()) if match else None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str) -> str:
    """Digits only, compared on the last 10 so +1 (555) 010-1234 == 555-010-1234."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 7 else ""


def identity_matches(order: OrderInfo, *, email: str, phone: str, customer_id: str) -> bool:
    """Does any identity the customer proved match the one on the order?"""
    if customer_id and order.customer_id and customer_id == order.customer_id:
        return True
    if email and order.email and normalise_email(email) == normalise_email(order.email):
        return True
    wanted = normalise_phone(phone)
    order_phones = {normalise_phone(order.phone)}
    if order.shipping_address is not None:
        order_phones.add(normalise_phone(order.shipping_address.phone))
    order_phones.discard("")
    return bool(wanted) and wanted in order_phones
