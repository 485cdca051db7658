"""Read-only admin for the order snapshot: it is written only from platform data."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.orders.models import Order

_JSON_FIELDS = ("line_items", "fulfillments", "refunds", "shipping_address", "billing_address")


def _pre(value: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(_ReadOnly):
    list_display = (
        "name", "store", "email", "financial_status", "fulfillment_status", "total_price",
        "currency", "platform_updated_at",
    )  # fmt: skip
    list_filter = ("financial_status", "fulfillment_status")
    search_fields = ("name", "email", "platform_order_id", "store__domain")
    list_select_related = ("store",)
    ordering = ("-platform_updated_at",)
    show_full_result_count = False
    exclude = _JSON_FIELDS
    readonly_fields = (
        "store", "platform_order_id", "name", "number", "customer_platform_id", "email", "phone",
        "customer_name", "financial_status", "fulfillment_status", "cancelled_at",
        "cancel_reason", "closed_at", "currency", "subtotal_price", "total_shipping",
        "total_tax", "total_price", "total_refunded", "tags", "note", "status_url",
        "platform_created_at", "platform_updated_at", "synced_at",
        "line_items_pretty", "fulfillments_pretty", "refunds_pretty",
        "shipping_address_pretty", "billing_address_pretty",
    )  # fmt: skip

    @admin.display(description="line items")
    def line_items_pretty(self, obj: Order) -> SafeString:
        return _pre(obj.line_items)

    @admin.display(description="fulfillments")
    def fulfillments_pretty(self, obj: Order) -> SafeString:
        return _pre(obj.fulfillments)

    @admin.display(description="refunds")
    def refunds_pretty(self, obj: Order) -> SafeString:
        return _pre(obj.refunds)

    @admin.display(description="shipping address")
    def shipping_address_pretty(self, obj: Order) -> SafeString:
        return _pre(obj.shipping_address)

    @admin.display(description="billing address")
    def billing_address_pretty(self, obj: Order) -> SafeString:
        return _pre(obj.billing_address)
