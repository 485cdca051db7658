"""Read-only admin for the inbox and the customer data exports, with a replay action."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.webhooks.handlers import HANDLERS
from apps.webhooks.maintenance import webhook_events_replay
from apps.webhooks.models import CustomerDataExport, WebhookEvent


def pretty_json(value: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by our services: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TopicFilter(admin.SimpleListFilter):
    """The topics we handle, listed from code: a DISTINCT over the inbox would scan it."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(topic, topic) for topic in sorted(HANDLERS)] + [("other", "other")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "other":
            return queryset.exclude(topic__in=list(HANDLERS))
        return queryset.filter(topic=value) if value else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "topic", "shop_domain", "status", "attempts", "received_at", "processed_at", "note",
    )  # fmt: skip
    list_filter = ("status", "provider", TopicFilter, ("received_at", admin.DateFieldListFilter))
    search_fields = ("shop_domain", "event_id", "webhook_id")
    ordering = ("-id",)
    show_full_result_count = False  # no COUNT(*) over a large inbox on every page
    actions = ["replay"]
    exclude = ("payload",)
    readonly_fields = (
        "provider", "store", "shop_domain", "topic", "event_id", "webhook_id", "api_version",
        "triggered_at", "received_at", "status", "attempts", "note", "last_error", "claimed_at",
        "next_attempt_at", "dispatched_at", "processed_at", "payload_pretty",
    )  # fmt: skip

    @admin.display(description="payload")
    def payload_pretty(self, obj: WebhookEvent) -> SafeString:
        return pretty_json(obj.payload)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_webhookevent")

    @admin.action(description="Replay selected events", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        count = webhook_events_replay(queryset)
        self.message_user(request, f"{count} event(s) reset to pending and enqueued.")
        skipped = queryset.count() - count
        if skipped > 0:
            self.message_user(
                request, f"{skipped} event(s) are being processed and were left alone.",
                level=messages.WARNING,
            )  # fmt: skip


@admin.register(CustomerDataExport)
class CustomerDataExportAdmin(ReadOnlyAdmin):
    list_display = ("data_request_id", "store", "email", "created_at", "download_link")
    search_fields = ("data_request_id", "email", "customer_platform_id", "store__domain")
    list_select_related = ("store",)
    exclude = ("data",)
    readonly_fields = (
        "store", "webhook_event", "data_request_id", "customer_platform_id", "email", "phone",
        "orders_requested", "created_at", "updated_at", "download_link", "data_pretty",
    )  # fmt: skip

    @admin.display(description="data")
    def data_pretty(self, obj: CustomerDataExport) -> SafeString:
        return pretty_json(obj.data)

    @admin.display(description="download")
    def download_link(self, obj: CustomerDataExport) -> SafeString:
        url = reverse("admin:webhooks_customerdataexport_download", args=[obj.pk])
        return format_html('<a href="{}">JSON</a>', url)

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:pk>/download/",
            self.admin_site.admin_view(self.download),
            name="webhooks_customerdataexport_download",
        )
        return [download, *super().get_urls()]

    def download(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        export = get_object_or_404(CustomerDataExport, pk=pk)
        body = json.dumps(export.data, indent=2, sort_keys=True, default=str)
        response = HttpResponse(body, content_type="application/json")
        filename = f"customer-data-{export.store_id}-{export.data_request_id}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
