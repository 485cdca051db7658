"""The audit trail of configuration changes: who, when, and each field's old and new value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from decimal import Decimal
from typing import Any

from apps.stores.models import SettingsAuditEntry, Store

SECRET_CHANGED = "(secret changed)"


def jsonable(value: Any) -> Any:
    """A value as the audit log stores it (JSON; Decimals as strings, tuples as lists)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def field_diff(
    old: Mapping[str, Any], new: Mapping[str, Any], *, secret: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """{field: {"old", "new"}} for each field whose value differs; secrets without values."""
    hidden = set(secret)
    changes: dict[str, dict[str, Any]] = {}
    for name in new:
        if old.get(name) == new[name]:  # compared as values: Decimal("50.00") == Decimal("50")
            continue
        before, after = jsonable(old.get(name)), jsonable(new[name])
        if name in hidden:
            changes[name] = {"old": None, "new": SECRET_CHANGED}
        else:
            changes[name] = {"old": before, "new": after}
    return changes


def audit_record(
    *,
    store: Store,
    actor: str,
    section: str,
    summary: str,
    changes: Mapping[str, Any],
    settings_version: int | None = None,
) -> SettingsAuditEntry:
    """One audit row. Call inside the transaction that makes the change."""
    return SettingsAuditEntry.objects.create(
        store=store,
        actor=(actor or "unknown")[:64],
        section=section[:40],
        summary=summary[:200],
        changes=dict(changes),
        settings_version=settings_version,
    )
