"""Schemas for the GraphQL Admin API answers we read (pydantic, at the boundary).

Field names follow Shopify's camelCase through an alias generator; unknown keys are
ignored and Shopify's nulls are tolerated, so a new field or a redacted one (protected
customer data not approved) never breaks a lookup.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from apps.integrations.commerce.shopify.errors import ShopifyGraphQLError

ZERO = Decimal("0")


class _Node(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class Money(_Node):
    amount: Decimal = ZERO
    currency_code: str | None = None


class MoneyBag(_Node):
    shop_money: Money = Money()


class Ref(_Node):
    id: str


class Customer(_Node):
    id: str
    display_name: str | None = None


class MailingAddress(_Node):
    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code_v2: str | None = Field(default=None, alias="countryCodeV2")
    phone: str | None = None


class Product(_Node):
    id: str
    tags: list[str] = Field(default_factory=list)


class LineItem(_Node):
    id: str
    title: str | None = None
    variant_title: str | None = None
    sku: str | None = None
    quantity: int = 0
    current_quantity: int | None = None
    unfulfilled_quantity: int | None = None
    original_unit_price_set: MoneyBag = MoneyBag()
    variant: Ref | None = None
    product: Product | None = None


class PageInfo(_Node):
    has_next_page: bool = False
    end_cursor: str | None = None


class LineItemConnection(_Node):
    page_info: PageInfo = PageInfo()
    nodes: list[LineItem] = Field(default_factory=list)


class TrackingInfo(_Node):
    number: str | None = None
    company: str | None = None
    url: str | None = None


class FulfillmentEvent(_Node):
    status: str | None = None
    message: str | None = None
    happened_at: datetime | None = None


class EventConnection(_Node):
    nodes: list[FulfillmentEvent] = Field(default_factory=list)


class PartLine(_Node):
    """A fulfillment's or a refund's line item: which order line, how many."""

    quantity: int = 0
    line_item: Ref | None = None


class PartLineConnection(_Node):
    page_info: PageInfo = PageInfo()
    nodes: list[PartLine] = Field(default_factory=list)


class Fulfillment(_Node):
    id: str
    status: str | None = None
    display_status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    delivered_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    tracking_info: list[TrackingInfo] = Field(default_factory=list)
    events: EventConnection = EventConnection()
    fulfillment_line_items: PartLineConnection = PartLineConnection()


class Refund(_Node):
    id: str
    created_at: datetime | None = None
    note: str | None = None
    total_refunded_set: MoneyBag = MoneyBag()
    refund_line_items: PartLineConnection = PartLineConnection()


class Order(_Node):
    id: str
    name: str = ""
    email: str | None = None
    phone: str | None = None
    created_at: datetime | None = None
    updated_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    display_financial_status: str | None = None
    display_fulfillment_status: str | None = None
    note: str | None = None
    tags: list[str] = Field(default_factory=list)
    status_page_url: str | None = None
    currency_code: str = "USD"
    customer: Customer | None = None
    subtotal_price_set: MoneyBag = MoneyBag()
    total_shipping_price_set: MoneyBag = MoneyBag()
    total_tax_set: MoneyBag = MoneyBag()
    total_price_set: MoneyBag = MoneyBag()
    total_refunded_set: MoneyBag = MoneyBag()
    shipping_address: MailingAddress | None = None
    line_items: LineItemConnection = LineItemConnection()
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)


class Variant(_Node):
    id: str
    title: str | None = None
    sku: str | None = None
    price: Decimal = ZERO
    available_for_sale: bool = False


class VariantConnection(_Node):
    nodes: list[Variant] = Field(default_factory=list)


class PriceRange(_Node):
    min_variant_price: Money = Money()


class ProductNode(_Node):
    id: str
    title: str = ""
    handle: str | None = None
    online_store_url: str | None = None
    description: str | None = None
    product_type: str | None = None
    tags: list[str] = Field(default_factory=list)
    price_range_v2: PriceRange = Field(default=PriceRange(), alias="priceRangeV2")
    variants: VariantConnection = VariantConnection()


class ShopPolicy(_Node):
    id: str | None = None
    type: str
    title: str = ""
    body: str = ""
    url: str | None = None


_N = TypeVar("_N", bound=_Node)


def parse(schema: type[_N], value: Any, *, what: str) -> _N:
    """Validate one node; a malformed answer is a ShopifyGraphQLError, never a crash."""
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        # Locations only: values may be customer data.
        where = "; ".join(
            ".".join(str(p) for p in err["loc"]) or "(root)"
            for err in exc.errors(include_input=False)[:5]
        )
        raise ShopifyGraphQLError(f"unexpected {what} shape at {where}", code="BAD_SHAPE") from None
