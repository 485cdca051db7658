"""A store's notification switches (one row, created with the defaults on first use)."""

from __future__ import annotations

from collections.abc import Mapping

from apps.notifications.models import NotificationKind, NotificationSettings
from apps.stores.models import Store

SWITCHES = tuple(NotificationKind.values)


def notification_settings(store: Store) -> NotificationSettings:
    row, _ = NotificationSettings.objects.get_or_create(store=store)
    return row


def notification_settings_update(
    *, store: Store, switches: Mapping[str, bool]
) -> NotificationSettings:
    """Set the switches named in `switches` (unknown names are ignored). Idempotent."""
    row = notification_settings(store)
    changed = {name: bool(on) for name, on in switches.items() if name in SWITCHES}
    for name, on in changed.items():
        setattr(row, name, on)
    if changed:
        row.save(update_fields=[*changed, "updated_at"])
    return row
