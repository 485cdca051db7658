"""The commerce protocol on Shopify's GraphQL Admin API (registry: platform "shopify")."""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    Fulfillment,
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    PaymentReference,
    Policy,
    Product,
    RefundResult,
    ReturnResult,
)
from apps.integrations.commerce.shopify import catalog, payments, refunds, returns
from apps.integrations.commerce.shopify.client import ShopifyClient
from apps.integrations.commerce.shopify.lookups import OrderLookups
from apps.integrations.commerce.shopify.order_edits import OrderEdits
from apps.stores.models import Store


class ShopifyCommerceProvider:
    """One store's Shopify. Reads go through the order snapshot; writes go to Shopify.

    Errors: OrderNotFound, PlatformRejected (userErrors, above refundable, not returnable),
    TransientCommerceError (ShopifyBusy: throttled/unreachable beyond the wait bound),
    ReauthorizationRequired (token refused; the store is flagged needs_reauth).
    """

    def __init__(self, store: Store, *, client: ShopifyClient | None = None) -> None:
        self.store = store
        self.client = client or ShopifyClient(store)
        self.orders = OrderLookups(store, self.client)
        self.edits = OrderEdits(self.client, self.orders)

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------ reads

    def find_order(
        self, number: str, *, email: str = "", phone: str = "", customer_id: str = ""
    ) -> OrderInfo | None:
        return self.orders.find(number, email=email, phone=phone, customer_id=customer_id)

    def get_order(self, order_id: str) -> OrderInfo | None:
        return self.orders.get(order_id)

    def list_customer_orders(
        self, *, email: str = "", phone: str = "", customer_id: str = "", limit: int = 10
    ) -> list[OrderInfo]:
        return self.orders.for_customer(
            email=email, phone=phone, customer_id=customer_id, limit=limit
        )

    def get_tracking(self, order_id: str) -> list[Fulfillment]:
        order = self.orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        return list(order.fulfillments)

    def order_payments(self, order_id: str) -> tuple[PaymentReference, ...]:
        # Its own small query, cached on the snapshot (commerce.base.OrderPaymentsLookup).
        return payments.order_payments(self.client, self.store, order_id)

    def search_products(self, query: str, *, limit: int = 5) -> list[Product]:
        return catalog.products_search(self.client, query, limit=limit)

    def get_policies(self) -> list[Policy]:
        return catalog.shop_policies(self.client)

    # ------------------------------------------------------------ writes

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
        result = refunds.refund_create(
            self.client,
            order_id=order_id,
            amount=amount,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
            notify_customer=notify_customer,
        )
        self.orders.fetch(order_id)  # the snapshot shows the refund before its webhook lands
        return result

    def cancel_order(
        self,
        *,
        order_id: str,
        reason: str,
        refund: bool,
        restock: bool,
        idempotency_key: str,
        notify_customer: bool = True,
    ) -> CancelResult:
        return self.edits.cancel(
            order_id=order_id,
            reason=reason,
            refund=refund,
            restock=restock,
            idempotency_key=idempotency_key,
            notify_customer=notify_customer,
        )

    def update_shipping_address(
        self, *, order_id: str, address: Address, idempotency_key: str
    ) -> OrderInfo:
        refunds.validate_key(idempotency_key)
        return self.edits.update_shipping_address(order_id=order_id, address=address)

    def add_note(self, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
        self.edits.add_note(order_id=order_id, note=note, tags=tags or [])

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult:
        return returns.return_request(
            self.client,
            order_id=order_id,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
        )
