"""Factories shared across the suite. App-specific ones live beside their tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from apps.orders.models import Order
from apps.stores.models import Platform, Store, StoreStatus


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    platform = Platform.SHOPIFY
    domain = factory.Sequence(lambda n: f"shop-{n}.myshopify.com")
    name = factory.Sequence(lambda n: f"Shop {n}")
    status = StoreStatus.INSTALLED
    granted_scopes = "read_orders,write_orders"
    installed_at = factory.LazyFunction(timezone.now)
    access_token = factory.Sequence(lambda n: f"shpat_testtoken{n:08d}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    platform_order_id = factory.Sequence(lambda n: f"gid://shopify/Order/{5000 + n}")
    number = factory.Sequence(lambda n: 1001 + n)
    name = factory.LazyAttribute(lambda o: f"#{o.number}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    financial_status = "paid"
    fulfillment_status = "unfulfilled"
    total_price = "49.00"
    platform_created_at = factory.LazyFunction(timezone.now)
    platform_updated_at = factory.LazyFunction(timezone.now)
