"""The configuration audit trail, newest first."""

from __future__ import annotations

from apps.stores.models import SettingsAuditEntry, Store

RECENT = 15


def recent_changes(store: Store, limit: int = RECENT) -> list[SettingsAuditEntry]:
    return list(
        SettingsAuditEntry.objects.filter(store=store).order_by("-created_at", "-id")[:limit]
    )
