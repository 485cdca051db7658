"""The merchant's FAQ entries: add, edit, delete, each audited and versioned."""

from __future__ import annotations

from django.db import transaction

from apps.dashboard.services.audit import audit_record
from apps.dashboard.services.settings import settings_version_bump
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store
from apps.stores.services import store_settings


def _faq(store: Store, entry_id: int) -> KnowledgeEntry:
    """The store's FAQ entry; KnowledgeEntry.DoesNotExist for anything else."""
    return KnowledgeEntry.objects.select_for_update().get(
        pk=entry_id, store=store, kind=KnowledgeKind.FAQ
    )


def faq_create(*, store: Store, actor: str, title: str, body: str) -> KnowledgeEntry:
    """Add an FAQ entry the agent may answer from (validated title and body)."""
    store_settings(store)
    with transaction.atomic():
        entry = KnowledgeEntry.objects.create(
            store=store, kind=KnowledgeKind.FAQ, title=title, body=body
        )
        _audit(
            store,
            actor,
            f"FAQ “{title[:80]}” added",
            {"title": [None, title], "body": [None, body]},
        )
    return entry


def faq_update(*, store: Store, actor: str, entry_id: int, title: str, body: str) -> KnowledgeEntry:
    """Change an FAQ entry. Raises KnowledgeEntry.DoesNotExist when it is not the store's."""
    store_settings(store)
    with transaction.atomic():
        entry = _faq(store, entry_id)
        changes = {
            name: [getattr(entry, name), value]
            for name, value in (("title", title), ("body", body))
            if getattr(entry, name) != value
        }
        if not changes:
            return entry
        entry.title, entry.body = title, body
        entry.save(update_fields=["title", "body", "updated_at"])
        _audit(store, actor, f"FAQ “{title[:80]}” edited", changes)
    return entry


def faq_delete(*, store: Store, actor: str, entry_id: int) -> None:
    """Delete an FAQ entry. Raises KnowledgeEntry.DoesNotExist when it is not the store's."""
    store_settings(store)
    with transaction.atomic():
        entry = _faq(store, entry_id)
        changes = {"title": [entry.title, None], "body": [entry.body, None]}
        entry.delete()
        _audit(store, actor, f"FAQ “{entry.title[:80]}” deleted", changes)


def _audit(store: Store, actor: str, summary: str, pairs: dict[str, list[str | None]]) -> None:
    version = settings_version_bump(store)
    changes = {name: {"old": old, "new": new} for name, (old, new) in pairs.items()}
    audit_record(
        store=store,
        actor=actor,
        section="knowledge",
        summary=summary,
        changes=changes,
        settings_version=version,
    )
