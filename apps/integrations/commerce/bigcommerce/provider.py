"""The commerce protocol on BigCommerce (registry: platform "bigcommerce")."""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    Fulfillment,
    LineItemQuantity,
    OrderInfo,
    OrderNotFound,
    Policy,
    Product,
    RefundResult,
    ReturnResult,
)
from apps.integrations.commerce.bigcommerce import catalog, refunds
from apps.integrations.commerce.bigcommerce.changes import OrderChanges
from apps.integrations.commerce.bigcommerce.client import BigCommerceClient
from apps.integrations.commerce.bigcommerce.orders import OrderReader
from apps.stores.models import Store


class BigCommerceCommerceProvider:
    """One store's BigCommerce. Reads go through the order snapshot; writes go to BigCommerce.

    Errors: OrderNotFound, PlatformRejected (BigCommerce's 4xx, above refundable, not
    returnable, a gateway that cannot refund), TransientCommerceError (throttled or down
    beyond the wait bound), ReauthorizationRequired (token refused; store flagged).
    """

    def __init__(self, store: Store, *, client: BigCommerceClient | None = None) -> None:
        self.store = store
        self.client = client or BigCommerceClient(store)
        self.orders = OrderReader(store, self.client)
        self.changes = OrderChanges(self.orders, self.client)

    def close(self) -> None:
        self.client.close()

    def find_order(
        self, number: str, *, email: str = "", phone: str = "", customer_id: str = ""
    ) -> OrderInfo | None:
        return self.orders.find(number, email=email, phone=phone, customer_id=customer_id)

    def get_order(self, order_id: str) -> OrderInfo | None:
        return self.orders.get(order_id)

    def list_customer_orders(
        self, *, email: str = "", phone: str = "", customer_id: str = "", limit: int = 10
    ) -> list[OrderInfo]:
        return self.orders.list_for(email=email, phone=phone, customer_id=customer_id, limit=limit)

    def get_tracking(self, order_id: str) -> list[Fulfillment]:
        order = self.orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        return list(order.fulfillments)

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
        return refunds.refund(
            self.orders,
            self.client,
            order_id=order_id,
            amount=amount,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
        )

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
        return self.changes.cancel(
            order_id=order_id, reason=reason, refund=refund, idempotency_key=idempotency_key
        )

    def update_shipping_address(
        self, *, order_id: str, address: Address, idempotency_key: str
    ) -> OrderInfo:
        return self.changes.update_address(order_id=order_id, address=address)

    def add_note(self, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
        self.changes.add_note(order_id=order_id, note=note, tags=tags or [])

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult:
        return self.changes.create_return(
            order_id=order_id, line_items=line_items, reason=reason, idempotency_key=idempotency_key
        )

    def search_products(self, query: str, *, limit: int = 5) -> list[Product]:
        return catalog.search(self.client, self.store, query, limit)

    def get_policies(self) -> list[Policy]:
        return catalog.policies(self.client, self.store)
