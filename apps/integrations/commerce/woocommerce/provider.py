"""The commerce protocol on the WooCommerce REST API (registry: platform "woocommerce")."""

from __future__ import annotations

from collections.abc import Mapping
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
from apps.integrations.commerce.woocommerce import catalog, changes, refunds
from apps.integrations.commerce.woocommerce.client import WooClient
from apps.integrations.commerce.woocommerce.lookups import OrderReads
from apps.stores.models import Store


class WooCommerceProvider:
    """One store's WooCommerce. Reads go through the order snapshot (cache.py); writes go
    to the store's REST API and write the changed order back to the snapshot.

    Errors: OrderNotFound, PlatformRejected (above refundable, shipped, a gateway that
    cannot refund), TransientCommerceError (WooBusy: throttled or unreachable beyond the
    wait bound), ReauthorizationRequired (keys refused; the store is flagged needs_reauth).
    """

    def __init__(
        self,
        store: Store,
        *,
        client: WooClient | None = None,
        policy_pages: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.client = client or WooClient(store)
        self.orders = OrderReads(store, self.client)
        self.policy_pages = dict(policy_pages or {})

    def __repr__(self) -> str:
        return f"<WooCommerceProvider store={self.store.pk}>"

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

    def search_products(self, query: str, *, limit: int = 5) -> list[Product]:
        return catalog.products_search(
            self.client, query, limit=limit, currency=self.store.currency
        )

    def get_policies(self) -> list[Policy]:
        return catalog.policy_pages(self.client, self.policy_pages)

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
        # WooCommerce emails the customer about every refund itself; there is no switch.
        result = refunds.refund_create(
            self.client,
            self.orders,
            order_id=order_id,
            amount=amount,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
        )
        self.orders.refresh(order_id)  # the snapshot shows the refund before its webhook
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
        # Restocking is WooCommerce's own: a cancelled order's stock goes back by itself.
        result = changes.cancel(
            self.client,
            self.orders,
            order_id=order_id,
            reason=reason,
            refund=refund,
            idempotency_key=idempotency_key,
            notify_customer=notify_customer,
        )
        self.orders.refresh(order_id)
        return result

    def update_shipping_address(
        self, *, order_id: str, address: Address, idempotency_key: str
    ) -> OrderInfo:
        return changes.update_shipping_address(
            self.client,
            self.orders,
            order_id=order_id,
            address=address,
            idempotency_key=idempotency_key,
        )

    def add_note(self, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
        changes.add_note(self.client, self.orders, order_id=order_id, note=note, tags=tags or [])
        self.orders.refresh(order_id)

    def add_customer_note(self, *, order_id: str, note: str) -> None:
        """A note the customer sees on their order (WooCommerce emails it to them)."""
        if self.orders.raw(order_id) is None:
            raise OrderNotFound(order_id)
        changes.order_note_add(self.client, order_id, note, customer_visible=True)

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult:
        return changes.create_return(
            self.client,
            self.orders,
            order_id=order_id,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
        )
