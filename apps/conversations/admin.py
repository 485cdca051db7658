"""Read-only admin views: transcripts and the agent's audit trail are evidence, not forms."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.conversations.models import AgentAction, Conversation, Message, OutboundMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look; changes go through services (approvals through the dashboard)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "role", "text", "handled_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "store", "channel", "status", "primary_intent", "last_message_at")
    list_filter = ("status", "channel", "primary_intent")
    search_fields = ("store__domain", "customer_email")
    list_select_related = ("store",)
    inlines = (MessageInline,)


@admin.register(AgentAction)
class AgentActionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "store", "kind", "status", "amount", "currency", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("store__domain", "idempotency_key")
    list_select_related = ("store",)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    """The outbox: what was sent to whom, through which provider, and what became of it."""

    list_display = (
        "pk",
        "store",
        "channel",
        "recipient",
        "status",
        "attempts",
        "provider",
        "created_at",
    )
    list_filter = ("channel", "status", "provider")
    search_fields = ("=provider_message_id", "=idempotency_key")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]
