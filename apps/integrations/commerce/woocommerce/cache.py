"""The local order snapshot as the WooCommerce provider's first source.

Order webhooks and the backstop poll keep the snapshot current, and every order the
provider reads or changes is written back, so "where is my order" is normally answered
without calling the store. A row is served while we wrote it less than
WOOCOMMERCE_ORDER_CACHE_SECONDS ago (orders in a final state, cancelled or fully
refunded, WOOCOMMERCE_ORDER_CACHE_FINAL_SECONDS); older rows are read again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from apps.integrations.commerce.base import OrderInfo
from apps.integrations.commerce.snapshot import info_to_order_fields
from apps.orders.models import FinancialStatus, Order
from apps.orders.services import UpsertResult, order_upsert
from apps.stores.models import Store

_FINAL_FINANCIAL = {FinancialStatus.REFUNDED, FinancialStatus.VOIDED}


def is_fresh(order: Order, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    final = order.cancelled_at is not None or order.financial_status in _FINAL_FINANCIAL
    bound = (
        settings.WOOCOMMERCE_ORDER_CACHE_FINAL_SECONDS
        if final
        else settings.WOOCOMMERCE_ORDER_CACHE_SECONDS
    )
    return order.synced_at is not None and order.synced_at >= now - timedelta(seconds=bound)


def remember(store: Store, info: OrderInfo) -> UpsertResult:
    """Keep this complete version of the order (newer versions held are never overwritten)."""
    if info.updated_at is None:
        return UpsertResult.STALE
    return order_upsert(store, info_to_order_fields(info))
