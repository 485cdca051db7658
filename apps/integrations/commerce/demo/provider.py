"""The demo platform behind the commerce protocol.

A demo store's order book is its `Order` rows (nothing syncs them; this provider is the
platform that writes them), its catalogue the `DemoProduct` rows, its returns the
`DemoReturn` rows and its policies the store's policy `KnowledgeEntry` rows. It behaves
like a real platform: it checks identities, refuses what a platform would refuse and
honours idempotency keys. Everything is scoped to the store it was built for.
"""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.commerce.base import (
    Address,
    CancelResult,
    Fulfillment,
    LineItemQuantity,
    OrderInfo,
    Policy,
    Product,
    RefundResult,
    ReturnResult,
)
from apps.integrations.commerce.demo import catalog, changes, lookup, refunds, returns
from apps.stores.models import Platform, Store


class DemoCommerceProvider:
    def __init__(self, store: Store) -> None:
        # Writing a real platform's cached rows as if we were the platform would corrupt them.
        if store.platform != Platform.DEMO:
            raise ValueError("the demo provider serves demo stores only")
        self.store = store

    def __repr__(self) -> str:
        return f"<DemoCommerceProvider store={self.store.pk}>"

    def find_order(
        self, number: str, *, email: str = "", phone: str = "", customer_id: str = ""
    ) -> OrderInfo | None:
        return lookup.find_order(
            self.store, number, email=email, phone=phone, customer_id=customer_id
        )

    def get_order(self, order_id: str) -> OrderInfo | None:
        return lookup.get_order(self.store, order_id)

    def list_customer_orders(
        self, *, email: str = "", phone: str = "", customer_id: str = "", limit: int = 10
    ) -> list[OrderInfo]:
        return lookup.list_customer_orders(
            self.store, email=email, phone=phone, customer_id=customer_id, limit=limit
        )

    def get_tracking(self, order_id: str) -> list[Fulfillment]:
        return lookup.get_tracking(self.store, order_id)

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
        return refunds.refund_order(
            self.store,
            order_id=order_id,
            amount=amount,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
            notify_customer=notify_customer,
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
        return changes.cancel_order(
            self.store,
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
        return changes.update_shipping_address(
            self.store, order_id=order_id, address=address, idempotency_key=idempotency_key
        )

    def add_note(self, *, order_id: str, note: str = "", tags: list[str] | None = None) -> None:
        changes.add_note(self.store, order_id=order_id, note=note, tags=tags)

    def create_return(
        self,
        *,
        order_id: str,
        line_items: list[LineItemQuantity],
        reason: str,
        idempotency_key: str,
    ) -> ReturnResult:
        return returns.create_return(
            self.store,
            order_id=order_id,
            line_items=line_items,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    def search_products(self, query: str, *, limit: int = 5) -> list[Product]:
        return catalog.search_products(self.store, query, limit=limit)

    def get_policies(self) -> list[Policy]:
        return catalog.policies(self.store)
