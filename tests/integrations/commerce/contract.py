"""The commerce contract: what every `CommerceProvider` must do, whatever the platform.

`test_contract.py` runs against each backend listed in `conftest.BACKENDS`. A backend
plugs in with a `<name>_world` fixture returning a `ContractWorld`:

- `provider` serves store A, whose orders, customers, catalogue and policies are the demo
  store's (DEMO_DATA.md; `apps.integrations.commerce.demo.data` builds them as typed
  values, from which a backend can generate its platform's response fixtures);
- `other_provider` serves store B on the same platform, which holds `FOREIGN`, an order
  of Jane's email that store A must never reveal or change;
- `customer_ids` maps the contract's customer ids (the demo's) to the platform's own,
  for a platform that numbers customers itself (Shopify: gid://shopify/Customer/4).

Tests reach orders the way the agent does (find by number + identity), so a backend maps
no ids; they assert behaviour seen through the protocol, never a backend's storage. A
backend must keep state across calls within a test (a refund shows on the order after).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from apps.integrations.commerce.base import CommerceProvider, LineItem, OrderInfo
from apps.integrations.commerce.demo import data


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str
    customer_id: str


@dataclass(frozen=True)
class OrderRef:
    number: int
    owner: Person

    @property
    def name(self) -> str:
        return f"#{self.number}"


def _person(customer: data.DemoCustomer) -> Person:
    return Person(customer.name, customer.email, customer.phone, customer.id)


JANE, SAM, PRIYA, ALEX = (_person(c) for c in data.CUSTOMERS)
NOBODY = Person("Mallory", "mallory@example.com", "+1 555-010-9999", "demo-cust-999")

IN_TRANSIT = OrderRef(1001, JANE)  # fulfilled, UPS parcel in transit
DELIVERED = OrderRef(1002, JANE)  # T-Shirt L $25 + Canvas Cap $20, delivered
UNFULFILLED = OrderRef(1003, JANE)  # Rain Jacket M $120, nothing shipped
DELIVERED_LONG_AGO = OrderRef(1004, SAM)
PARTIALLY_FULFILLED = OrderRef(1005, SAM)  # Yoga Mat shipped, 2 Water Bottles not
CANCELLED = OrderRef(1006, SAM)  # cancelled and refunded
REFUNDED = OrderRef(1007, PRIYA)  # fully refunded
PARTIALLY_REFUNDED = OrderRef(1008, PRIYA)  # $30 of $110 refunded
FINAL_SALE = OrderRef(1009, PRIYA)
LABEL_PRINTED = OrderRef(1012, ALEX)  # fulfilled, parcel not picked up yet
FOREIGN = OrderRef(5001, JANE)  # exists in store B only
ORDERS_OF = {
    JANE: (1001, 1002, 1003),
    SAM: (1004, 1005, 1006),
    PRIYA: (1007, 1008, 1009),
    ALEX: (1010, 1011, 1012),
}


@dataclass(frozen=True)
class ContractWorld:
    provider: CommerceProvider
    other_provider: CommerceProvider
    # Each contract customer's id on the backend's platform, keyed by the demo id
    # (`Person.customer_id`); a backend that keeps the demo's ids leaves it empty.
    customer_ids: Mapping[str, str] = field(default_factory=dict)
    # Whether the platform reports where a parcel is (carrier status, events, ETA), as
    # Shopify's fulfillments do. BigCommerce and WooCommerce hold the tracking number and
    # link only; the tracking tests then check just those.
    carrier_events: bool = True

    def customer_id(self, person: Person) -> str:
        return self.customer_ids.get(person.customer_id, person.customer_id)

    def identity(self, identity: Mapping[str, str]) -> dict[str, str]:
        """`identity` with its customer id (if any) in the platform's terms."""
        found = dict(identity)
        if found.get("customer_id"):
            found["customer_id"] = self.customer_ids.get(found["customer_id"], found["customer_id"])
        return found

    def order(self, ref: OrderRef) -> OrderInfo:
        """The order as its owner finds it (the way the agent reaches every order)."""
        found = self.provider.find_order(ref.name, email=ref.owner.email)
        assert found is not None, f"{ref.name} must be found by its owner"
        return found

    def reload(self, order: OrderInfo) -> OrderInfo:
        fresh = self.provider.get_order(order.id)
        assert fresh is not None
        return fresh

    def foreign_order(self) -> OrderInfo:
        found = self.other_provider.find_order(FOREIGN.name, email=FOREIGN.owner.email)
        assert found is not None, "store B must hold the foreign order"
        return found


def line(order: OrderInfo, title: str) -> LineItem:
    return next(item for item in order.line_items if item.title == title)
