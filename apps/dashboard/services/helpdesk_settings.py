"""Saving the helpdesk settings and the team's hours: atomically, audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from apps.dashboard.forms.helpdesk import HELPDESK_FIELDS, HOURS_FIELDS
from apps.dashboard.services.audit import audit_record, field_diff
from apps.dashboard.services.settings import store_settings_update
from apps.helpdesk.models import HelpdeskSettings
from apps.stores.models import Store


def helpdesk_settings_update(*, store: Store, actor: str, values: Mapping[str, Any]) -> bool:
    """Apply validated form values; True when anything changed. The team's hours are
    store settings (a new settings version: the agent quotes them); the helpdesk choices
    are their own row. Saving the same values again changes nothing."""
    with transaction.atomic():
        hours = store_settings_update(
            store=store,
            actor=actor,
            section="team hours",
            values={name: values[name] for name in HOURS_FIELDS},
        )
        row, _ = HelpdeskSettings.objects.select_for_update().get_or_create(store=store)
        wanted = {name: values[name] for name in HELPDESK_FIELDS}
        changes = field_diff({name: getattr(row, name) for name in wanted}, wanted)
        if changes:
            for name in changes:
                setattr(row, name, wanted[name])
            row.save()
            audit_record(
                store=store,
                actor=actor,
                section="helpdesk",
                summary="Helpdesk settings changed",
                changes=changes,
            )
    return hours.changed or bool(changes)
