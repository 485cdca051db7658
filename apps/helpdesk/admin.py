from __future__ import annotations

from django.contrib import admin

from apps.helpdesk.models import HelpdeskSync, HelpdeskThread


@admin.register(HelpdeskThread)
class HelpdeskThreadAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "provider", "thread_id", "conversation", "created_at")
    list_filter = ("provider",)
    search_fields = ("thread_id", "external_id")
    raw_id_fields = ("store", "conversation")


@admin.register(HelpdeskSync)
class HelpdeskSyncAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "provider", "status", "attempts", "last_error", "created_at")
    list_filter = ("provider", "status")
    raw_id_fields = ("store", "conversation", "message")
    readonly_fields = ("provider_message_id", "claimed_at", "sent_at")
