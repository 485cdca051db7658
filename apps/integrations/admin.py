from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from apps.integrations.models import DemoOrderEvent, DemoProduct, DemoReturn, DemoVariant


class DemoVariantInline(admin.TabularInline):
    model = DemoVariant
    fields = ("platform_id", "title", "sku", "price", "track_inventory", "inventory_quantity")
    extra = 0


@admin.register(DemoProduct)
class DemoProductAdmin(admin.ModelAdmin):
    list_display = ("title", "store", "product_type", "platform_id", "position")
    list_filter = ("store",)
    search_fields = ("title", "platform_id", "handle")
    inlines = (DemoVariantInline,)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        # A variant belongs to its product's store; the form never asks for it.
        variants: list[Model] = formset.save(commit=False)
        for variant in variants:
            if isinstance(variant, DemoVariant):
                variant.store = form.instance.store
            variant.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(DemoReturn)
class DemoReturnAdmin(admin.ModelAdmin):
    list_display = ("platform_id", "order", "store", "status", "created_at")
    list_filter = ("status", "store")
    search_fields = ("platform_id", "order__name")
    readonly_fields = ("store", "order", "platform_id", "line_items", "idempotency_key")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # returns are opened through the provider, against an order


@admin.register(DemoOrderEvent)
class DemoOrderEventAdmin(admin.ModelAdmin):
    """The demo platform's order timeline: written by the platform, read-only here."""

    list_display = ("order", "kind", "store", "created_at")
    list_filter = ("kind", "store")
    readonly_fields = ("store", "order", "kind", "idempotency_key", "payload", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
