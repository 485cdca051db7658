from django.contrib import admin

from apps.stores.models import KnowledgeEntry, Store, StoreSettings


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "domain",
        "platform",
        "status",
        "has_access_token",
        "needs_reauth",
        "installed_at",
    )
    list_filter = ("platform", "status", "needs_reauth")
    search_fields = ("domain", "name")
    # Encrypted fields are not editable, so they never reach a form; show presence only.
    readonly_fields = (
        "has_access_token",
        "access_token_expires_at",
        "has_refresh_token",
        "refresh_token_expires_at",
        "installed_at",
        "uninstalled_at",
        "granted_scopes",
        "widget_key",
    )

    @admin.display(boolean=True, description="access token")
    def has_access_token(self, obj: Store) -> bool:
        return obj.access_token is not None

    @admin.display(boolean=True, description="refresh token")
    def has_refresh_token(self, obj: Store) -> bool:
        return obj.refresh_token is not None


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    list_display = ("store", "version", "tone", "return_window_days", "refund_auto_approve_limit")
    readonly_fields = ("version",)


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ("title", "store", "kind", "policy_type", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "body")
