"""The store's policy pages into its knowledge base (kind "policy"), one entry per type.

Idempotent: entries are updated in place. A type BigCommerce no longer has a page for is
left alone, since a page may simply have been renamed; the merchant edits or deletes it
on the knowledge page.
"""

from __future__ import annotations

from django.db import transaction

from apps.integrations.commerce.base import Policy
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

BODY_MAX = 20_000


def import_policies(store: Store, policies: list[Policy]) -> int:
    """Create or update one entry per policy type; returns how many changed."""
    changed = 0
    with transaction.atomic():
        held = {
            e.policy_type: e
            for e in KnowledgeEntry.objects.select_for_update().filter(
                store=store, kind=KnowledgeKind.POLICY
            )
        }
        for policy in {p.type: p for p in policies}.values():
            values = {
                "title": policy.title[:200] or policy.type.title(),
                "body": policy.body[:BODY_MAX],
                "source_url": policy.url if len(policy.url) <= 200 else "",
            }
            entry = held.get(policy.type)
            if entry is None:
                KnowledgeEntry.objects.create(
                    store=store, kind=KnowledgeKind.POLICY, policy_type=policy.type, **values
                )
            elif any(getattr(entry, k) != v for k, v in values.items()):
                KnowledgeEntry.objects.filter(pk=entry.pk).update(**values)
            else:
                continue
            changed += 1
    return changed
