"""The store's helpdesk settings as the sync reads them (defaults when never saved)."""

from __future__ import annotations

import re

from apps.helpdesk.models import HelpdeskSettings

MAX_TAGS = 10
_TAG = re.compile(r"[^a-z0-9_-]+")


def helpdesk_settings(store_id: int) -> HelpdeskSettings:
    found = HelpdeskSettings.objects.filter(store_id=store_id).first()
    return found or HelpdeskSettings(store_id=store_id)


def tag_name(value: str) -> str:
    """A tag every helpdesk accepts: lower-case letters, digits, - and _ (Zendesk splits
    tags on spaces)."""
    return _TAG.sub("-", value.strip().lower()).strip("-")[:50]


def ticket_tags(settings: HelpdeskSettings, intent: str) -> tuple[str, ...]:
    """ "aftersale", the conversation's intent and the merchant's own tags, once each."""
    names = ["aftersale", intent, *[str(t) for t in settings.tags or []]]
    cleaned = [tag_name(n) for n in names]
    return tuple(dict.fromkeys(t for t in cleaned if t))[: MAX_TAGS + 2]
