"""Saving the merchant's settings and policies: atomically, versioned, audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.dashboard.services.audit import audit_record, field_diff
from apps.stores.models import Store, StoreSettings
from apps.stores.services import store_settings

SECTION_TITLES = {
    "agent": "Agent",
    "policies": "Policies",
    "returns": "Returns",
    "knowledge": "Knowledge base",
}


@dataclass(frozen=True)
class SettingsChange:
    changes: dict[str, dict[str, Any]]
    version: int

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def store_settings_update(
    *, store: Store, actor: str, section: str, values: Mapping[str, Any]
) -> SettingsChange:
    """Apply validated `values` to the store's settings.

    One transaction, the row locked: only fields that really change are written, the
    version goes up by one and an audit entry names each field's old and new value. Saving
    the same values again changes nothing (no new version, no audit entry).
    """
    store_settings(store)  # the row exists before it is locked
    with transaction.atomic():
        row = StoreSettings.objects.select_for_update().get(store=store)
        changes = field_diff({name: getattr(row, name) for name in values}, values)
        if not changes:
            return SettingsChange({}, row.version)
        for name in changes:
            setattr(row, name, values[name])
        row.version += 1
        row.updated_at = timezone.now()
        row.save(update_fields=[*changes, "version", "updated_at"])
        audit_record(
            store=store,
            actor=actor,
            section=section,
            summary=f"{SECTION_TITLES.get(section, section)} settings changed",
            changes=changes,
            settings_version=row.version,
        )
    return SettingsChange(changes, row.version)


def settings_version_bump(store: Store) -> int:
    """Raise the settings version (inside the caller's transaction); returns the new one."""
    row = StoreSettings.objects.select_for_update().get(store=store)
    row.version += 1
    row.save(update_fields=["version", "updated_at"])
    return row.version
