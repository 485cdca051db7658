"""GraphQL Admin API nodes -> the protocol's typed results and the order snapshot fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.integrations.commerce.base import (
    Address,
    Fulfillment,
    LineItem,
    LineItemQuantity,
    OrderInfo,
    Policy,
    Product,
    ProductVariant,
    RefundRecord,
    Tracking,
    parse_order_number,
)
from apps.integrations.commerce.shopify import documents, schemas
from apps.integrations.commerce.shopify.cache import SnapshotVersion
from apps.integrations.commerce.snapshot import info_to_order_fields
from apps.orders.models import FinancialStatus, FulfillmentStatus

_FINANCIAL = {s.value.upper(): s.value for s in FinancialStatus} | {
    "EXPIRED": FinancialStatus.VOIDED.value,
}
# displayFulfillmentStatus values that mean "nothing has shipped yet".
_FULFILLMENT = {
    "UNFULFILLED": FulfillmentStatus.UNFULFILLED,
    "PARTIALLY_FULFILLED": FulfillmentStatus.PARTIALLY_FULFILLED,
    "FULFILLED": FulfillmentStatus.FULFILLED,
    "RESTOCKED": FulfillmentStatus.RESTOCKED,
    "ON_HOLD": FulfillmentStatus.ON_HOLD,
    "PENDING_FULFILLMENT": FulfillmentStatus.UNFULFILLED,
    "OPEN": FulfillmentStatus.UNFULFILLED,
    "IN_PROGRESS": FulfillmentStatus.UNFULFILLED,
    "SCHEDULED": FulfillmentStatus.UNFULFILLED,
    "REQUEST_DECLINED": FulfillmentStatus.UNFULFILLED,
}
_FULFILLMENT_STATE = {"ERROR": "failure"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
POLICY_TYPES = {
    "REFUND_POLICY": "refund",
    "SHIPPING_POLICY": "shipping",
    "PRIVACY_POLICY": "privacy",
    "TERMS_OF_SERVICE": "terms",
    "TERMS_OF_SALE": "terms_of_sale",
    "CONTACT_INFORMATION": "contact",
    "SUBSCRIPTION_POLICY": "subscription",
    "LEGAL_NOTICE": "legal",
}


@dataclass(frozen=True)
class MappedOrder:
    info: OrderInfo
    # False when a list was cut at its page size: such a snapshot is not cached.
    complete: bool
    total_tax: Decimal
    closed_at: Any

    def snapshot_version(self) -> SnapshotVersion:
        return SnapshotVersion(
            platform_order_id=self.info.id,
            platform_updated_at=self.info.updated_at or timezone.now(),
            fields=self.snapshot_fields(),
        )

    def snapshot_fields(self) -> dict[str, Any]:
        fields = info_to_order_fields(self.info)
        # OrderSnapshot reads no payments: the ones read by their own query (payments.py)
        # stay as they are instead of being emptied by every webhook and backfill page.
        del fields["payment_references"]
        fields.update(
            name=fields["name"][:64],
            email=fields["email"][:254],
            phone=fields["phone"][:32],
            customer_name=fields["customer_name"][:200],
            cancel_reason=fields["cancel_reason"][:40],
            status_url=fields["status_url"][:500],
            currency=(fields["currency"] or "USD")[:3],
            total_tax=self.total_tax,
            closed_at=self.closed_at,
        )
        return fields


def order_from_node(node: Any, *, sizes: documents.OrderSizes | None) -> MappedOrder:
    """Map an OrderSnapshot node read with `sizes` (None: nothing was cut, e.g. the
    assembled lines of a bulk operation)."""
    order = schemas.parse(schemas.Order, node, what="order")
    currency = order.currency_code.upper()
    info = OrderInfo(
        id=order.id,
        name=order.name,
        number=parse_order_number(order.name),
        currency=currency,
        financial_status=_FINANCIAL.get(order.display_financial_status or "", "unknown"),
        fulfillment_status=_FULFILLMENT.get(order.display_fulfillment_status or "", "unknown"),
        total_price=order.total_price_set.shop_money.amount,
        email=order.email or "",
        phone=order.phone or "",
        customer_id=order.customer.id if order.customer else "",
        customer_name=(order.customer.display_name or "") if order.customer else "",
        subtotal_price=order.subtotal_price_set.shop_money.amount,
        total_shipping=order.total_shipping_price_set.shop_money.amount,
        total_refunded=order.total_refunded_set.shop_money.amount,
        created_at=order.created_at,
        updated_at=order.updated_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=(order.cancel_reason or "").lower(),
        line_items=tuple(_line_item(item) for item in order.line_items.nodes),
        fulfillments=tuple(_fulfillment(f) for f in order.fulfillments),
        refunds=tuple(_refund(r) for r in order.refunds),
        shipping_address=_address(order.shipping_address),
        tags=tuple(order.tags),
        note=order.note or "",
        status_url=order.status_page_url or "",
    )
    return MappedOrder(
        info=info,
        complete=_complete(order, sizes),
        total_tax=order.total_tax_set.shop_money.amount,
        closed_at=order.closed_at,
    )


def _complete(order: schemas.Order, sizes: documents.OrderSizes | None) -> bool:
    """False when any list may have been cut at its limit (a full list looks cut too)."""
    cut = [order.line_items.page_info.has_next_page]
    cut += [f.fulfillment_line_items.page_info.has_next_page for f in order.fulfillments]
    cut += [r.refund_line_items.page_info.has_next_page for r in order.refunds]
    if sizes is not None:
        cut += [len(order.fulfillments) >= sizes.parcels, len(order.refunds) >= sizes.parcels]
    return not any(cut)


def _part_lines(connection: schemas.PartLineConnection) -> tuple[LineItemQuantity, ...]:
    return tuple(
        LineItemQuantity(line_item_id=part.line_item.id, quantity=part.quantity)
        for part in connection.nodes
        if part.line_item is not None and part.quantity > 0
    )


def _line_item(item: schemas.LineItem) -> LineItem:
    current = item.quantity if item.current_quantity is None else item.current_quantity
    unfulfilled = current if item.unfulfilled_quantity is None else item.unfulfilled_quantity
    return LineItem(
        id=item.id,
        title=item.title or "",
        quantity=item.quantity,
        price=item.original_unit_price_set.shop_money.amount,
        variant_title=item.variant_title or "",
        sku=item.sku or "",
        product_id=item.product.id if item.product else "",
        variant_id=item.variant.id if item.variant else "",
        # currentQuantity already excludes what was refunded or removed.
        fulfilled_quantity=max(0, current - unfulfilled),
        refunded_quantity=max(0, item.quantity - current),
        tags=tuple(item.product.tags) if item.product else (),
    )


def _fulfillment(node: schemas.Fulfillment) -> Fulfillment:
    # Newest first, as asked (a bulk operation's events arrive in any order).
    events = sorted(node.events.nodes, key=lambda e: e.happened_at or _EPOCH, reverse=True)
    latest = events[0] if events else None
    latest_status = (latest.status or "").lower() if latest else ""
    status = (node.status or "").upper()
    return Fulfillment(
        id=node.id,
        status=_FULFILLMENT_STATE.get(status, status.lower()),
        shipment_status=latest_status or (node.display_status or "").lower(),
        tracking=tuple(
            Tracking(number=t.number or "", company=t.company or "", url=t.url or "")
            for t in node.tracking_info
            if t.number or t.url
        ),
        created_at=node.created_at,
        updated_at=node.updated_at,
        estimated_delivery_at=node.estimated_delivery_at,
        delivered_at=node.delivered_at,
        # The carrier's own words ("Departed facility, Louisville KY") when it gave any.
        latest_event=((latest.message or "").strip() or latest_status) if latest else "",
        latest_event_at=latest.happened_at if latest else None,
        line_items=_part_lines(node.fulfillment_line_items),
    )


def _refund(node: schemas.Refund) -> RefundRecord:
    return RefundRecord(
        id=node.id,
        amount=node.total_refunded_set.shop_money.amount,
        created_at=node.created_at,
        note=node.note or "",
        line_items=_part_lines(node.refund_line_items),
    )


def _address(node: schemas.MailingAddress | None) -> Address | None:
    if node is None:
        return None
    return Address(
        name=node.name or "",
        address1=node.address1 or "",
        address2=node.address2 or "",
        city=node.city or "",
        province=node.province or "",
        zip=node.zip or "",
        country=node.country or "",
        country_code=node.country_code_v2 or "",
        phone=node.phone or "",
    )


def product_from_node(node: Any) -> Product:
    product = schemas.parse(schemas.ProductNode, node, what="product")
    currency = (product.price_range_v2.min_variant_price.currency_code or "").upper()
    return Product(
        id=product.id,
        title=product.title,
        currency=currency,
        variants=tuple(
            ProductVariant(
                id=v.id,
                title=v.title or "",
                price=v.price,
                available=v.available_for_sale,
                sku=v.sku or "",
            )
            for v in product.variants.nodes
        ),
        handle=product.handle or "",
        url=product.online_store_url or "",
        description=product.description or "",
        product_type=product.product_type or "",
        tags=tuple(product.tags),
    )


def policy_from_node(node: Any) -> Policy | None:
    """A shop policy with its HTML body; None for a type we do not know."""
    policy = schemas.parse(schemas.ShopPolicy, node, what="shop policy")
    kind = POLICY_TYPES.get(policy.type.upper())
    if kind is None:
        return None
    return Policy(type=kind, title=policy.title, body=policy.body, url=policy.url or "")
